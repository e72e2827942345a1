# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read and write the kernel's /proc/graceful_shutdown registry.

The contract: reading lists "<pid> <path>\\n", or "<pid> <path>
signal=<N>\\n" when the registration asks the kernel to send the victim
signal N at the OOM, per registration whose run has not started, in
ascending pid order; each write() carries exactly one operation, "<pid>
<path>" or "<pid> <path> signal=<N>" (register or replace the whole
registration) or "-<pid>" (unregister). A refused write changes nothing
and reports an errno, which is turned here into a message that says what
to fix. When registering, the kernel also checks the file the path names
by the rule gs_handler applies before (EACCES when unsafe; ENOENT, ENOTDIR
or ELOOP when the path does not resolve), refuses writers outside the
host's initial mount namespace or root (EXDEV), and, built with
CONFIG_STATIC_USERMODEHELPER, refuses every handler (EOPNOTSUPP). While
the OOM killer runs a pid's registration (its run is in progress), every
write about that pid is refused (EBUSY) and the listing leaves it out.
"""

from __future__ import annotations

import errno
import os
from collections import namedtuple

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_runs import (
    DEFAULT_RUNS_PATH,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_signal import (
    MAX_SIGNAL,
    signal_name,
)

DEFAULT_PROC_PATH = '/proc/graceful_shutdown'

# The kernel's answers, when registering, about the file the path names.
FILE_ERRNOS = (errno.EACCES, errno.ENOENT, errno.ENOTDIR, errno.ELOOP)

_UNRESOLVED = {
    errno.ENOENT: 'the file or a directory on its path does not exist',
    errno.ENOTDIR: 'a component of the path is not a directory',
    errno.ELOOP: 'resolving it meets too many symbolic links',
}

# Paths travel as bytes; surrogateescape keeps undecodable bytes intact.
_ENCODING = 'utf-8'
_ERRORS = 'surrogateescape'


class RegistryError(Exception):
    """The registry could not be read or an operation was refused."""


class KernelNotRunning(RegistryError):
    """The proc file is absent: the running kernel lacks graceful shutdown."""


class Registration(namedtuple('Registration', ['handler', 'signal'])):
    """What the kernel holds for a pid: the handler path and the signal
    number it sends the victim at the OOM (None: no signal)."""

    __slots__ = ()

    def text(self):
        """The listing's and the write's text after the pid."""
        if self.signal is None:
            return self.handler
        return '%s signal=%d' % (self.handler, self.signal)


class Operation(object):
    """One registry write: register (handler set) or unregister (None)."""

    __slots__ = ('pid', 'handler', 'signal')

    def __init__(self, pid, handler=None, signal=None):
        self.pid = pid
        self.handler = handler
        self.signal = signal

    @classmethod
    def register(cls, pid, registration):
        """Register registration for pid; unregister pid when it is None."""
        if registration is None:
            return cls(pid)
        return cls(pid, registration.handler, registration.signal)

    def registration(self):
        """The registration this write leaves, None when it unregisters."""
        if self.handler is None:
            return None
        return Registration(self.handler, self.signal)

    def text(self):
        """The exact text written to the proc file, newline-terminated."""
        if self.handler is None:
            return '-%d\n' % self.pid
        return '%d %s\n' % (self.pid, self.registration().text())

    def describe(self):
        if self.handler is None:
            return 'unregister pid %d' % self.pid
        if self.signal is None:
            return 'register pid %d with handler %s' % (self.pid,
                                                        self.handler)
        return ('register pid %d with handler %s and signal %d (%s)'
                % (self.pid, self.handler, self.signal,
                   signal_name(self.signal)))

    def _key(self):
        return (self.pid, self.handler, self.signal)

    def __eq__(self, other):
        return isinstance(other, Operation) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return 'Operation(%r, %r, %r)' % self._key()


def _listed_signal(value):
    if not value.isdigit() or not 0 < int(value) <= MAX_SIGNAL:
        raise ValueError('signal=%s is not a signal number' % value)
    return int(value)


def parse_listing(text):
    """Return {pid: Registration} from the listing; ValueError on a bad line.

    Fields after the path are key=value; signal is read, keys this module
    does not know are a later kernel's and left alone.
    """
    registrations = {}
    for number, line in enumerate(text.split('\n'), 1):
        if not line:
            continue
        pid_text, _sep, rest = line.partition(' ')
        words = rest.split(' ')
        handler, fields = words[0], words[1:]
        if not pid_text.isdigit() or not handler or \
                not all('=' in field for field in fields):
            raise ValueError('line %d is not "<pid> <path>" or "<pid> <path> '
                             'signal=<N>": %r' % (number, line))
        signal = None
        for field in fields:
            key, _sep, value = field.partition('=')
            if key == 'signal':
                try:
                    signal = _listed_signal(value)
                except ValueError as err:
                    raise ValueError('line %d: %s: %r' % (number, err, line))
        registrations[int(pid_text)] = Registration(handler, signal)
    return registrations


def format_listing(registrations):
    """The listing the kernel would print for these registrations."""
    return ''.join('%d %s\n' % (pid, registrations[pid].text())
                   for pid in sorted(registrations))


def not_running_message(proc_path):
    return ('%s does not exist: the graceful-shutdown kernel is not running '
            'on this host (boot a kernel built with '
            'CONFIG_OOM_GRACEFUL_SHUTDOWN=y, see the kernel_install role)'
            % proc_path)


def _access_message(proc_path, action):
    return ('cannot %s %s: permission denied; it is mode 0600 root:root and '
            'writes need CAP_SYS_ADMIN, so run the task as root '
            '(become: true)' % (action, proc_path))


def errno_name(err_no):
    """EOPNOTSUPP, as the contract names it (Linux's ENOTSUP is the same)."""
    if err_no == errno.EOPNOTSUPP:
        return 'EOPNOTSUPP'
    return errno.errorcode.get(err_no, 'errno %d' % err_no)


def _refused(operation, err_no):
    return 'the kernel refused to %s (%s)' % (operation.describe(),
                                              errno_name(err_no))


def explain_register_error(err_no, operation):
    """A message for an errno only registering gets, or None."""
    if err_no == errno.EACCES:
        return ('%s: it runs handlers as root, so it takes only a regular '
                'executable file owned by root that group and others cannot '
                'write, reached through directories owned by root that group '
                'and others cannot write (unless sticky), and the handler or '
                'a directory on its path is not safe to run as root; chown '
                'root and chmod go-w it, or move the handler'
                % _refused(operation, err_no))
    if err_no in _UNRESOLVED:
        return ('%s: the path does not resolve to a file: %s; install the '
                'handler there or give the path it is at'
                % (_refused(operation, err_no), _UNRESOLVED[err_no]))
    if err_no == errno.EXDEV:
        return ('%s: the writer is outside the host\'s initial mount '
                'namespace or has another root (a container, a chroot, a '
                'private mount namespace), and the kernel runs handlers in '
                'the host\'s namespaces, so it refuses paths named elsewhere; '
                'run the task on the host itself'
                % _refused(operation, err_no))
    if err_no == errno.EOPNOTSUPP:
        return ('%s: the running kernel was built with '
                'CONFIG_STATIC_USERMODEHELPER and refuses every handler; boot '
                'a kernel built without it (the kernel_build role keeps the '
                'base configuration\'s choice: turn it off in a fragment of '
                'kernel_build_config_fragments)'
                % _refused(operation, err_no))
    return None


def explain_write_error(err_no, operation, proc_path):
    """A message for an errno the kernel returned for one operation."""
    if operation.handler is not None:
        message = explain_register_error(err_no, operation)
        if message:
            return message
    what = operation.describe()
    if err_no == errno.EBUSY:
        return ('the kernel refused to %s (EBUSY): a run for pid %d is in '
                'progress: the OOM killer picked it and its handler is running '
                'now (see %s); nothing changed; try again after the run'
                % (what, operation.pid, DEFAULT_RUNS_PATH))
    if err_no == errno.EINVAL:
        return ('the kernel refused to %s (EINVAL): the handler path must be '
                'absolute, 1 to 1023 bytes, without whitespace or control '
                'characters, and a signal 1 to 64, not SIGKILL or SIGSTOP'
                % what)
    if err_no == errno.ESRCH:
        return ('cannot %s: process %d does not exist (ESRCH); it has '
                'exited, start it and run the task again'
                % (what, operation.pid))
    if err_no == errno.ENOENT:
        return ('cannot %s: pid %d is not registered (ENOENT)'
                % (what, operation.pid))
    if err_no == errno.EPERM:
        return _access_message(proc_path, 'write')
    if err_no == errno.ENOSPC:
        return ('cannot %s: the graceful-shutdown registry is full (ENOSPC); '
                'raise sysctl vm.graceful_shutdown_max_entries or unregister '
                'processes first' % what)
    return 'cannot %s: writing %s failed: %s' % (what, proc_path,
                                                 os.strerror(err_no))


class WriteFailed(RegistryError):
    """Operation number `index` was refused; those before it were applied.

    operation is the refused one, None when the file could not be opened.
    """

    def __init__(self, message, index, err_no, operation=None):
        super(WriteFailed, self).__init__(message)
        self.index = index
        self.errno = err_no
        self.operation = operation


def read_registrations(proc_path=DEFAULT_PROC_PATH):
    """Return the live registrations as {pid: Registration}."""
    try:
        with open(proc_path, 'rb') as proc_file:
            data = proc_file.read()
    except FileNotFoundError:
        raise KernelNotRunning(not_running_message(proc_path))
    except PermissionError:
        raise RegistryError(_access_message(proc_path, 'read'))
    except OSError as err:
        raise RegistryError('cannot read %s: %s' % (proc_path, err.strerror))
    try:
        return parse_listing(data.decode(_ENCODING, _ERRORS))
    except ValueError as err:
        raise RegistryError('%s does not follow the graceful-shutdown listing '
                            'format: %s' % (proc_path, err))


def apply_operations(operations, proc_path=DEFAULT_PROC_PATH):
    """Write each operation with its own write() call, in order.

    Stops at the first refused operation and raises WriteFailed, whose
    index tells how many operations were applied before it.
    """
    if not operations:
        return
    try:
        fd = os.open(proc_path, os.O_WRONLY)
    except FileNotFoundError:
        raise KernelNotRunning(not_running_message(proc_path))
    except PermissionError:
        raise WriteFailed(_access_message(proc_path, 'write'), 0,
                          errno.EACCES)
    except OSError as err:
        raise WriteFailed('cannot open %s: %s' % (proc_path, err.strerror),
                          0, err.errno)
    try:
        for index, operation in enumerate(operations):
            data = operation.text().encode(_ENCODING, _ERRORS)
            try:
                written = os.write(fd, data)
            except OSError as err:
                raise WriteFailed(explain_write_error(err.errno, operation,
                                                      proc_path),
                                  index, err.errno, operation)
            if written != len(data):
                raise WriteFailed('cannot %s: short write to %s (%d of %d '
                                  'bytes)' % (operation.describe(), proc_path,
                                              written, len(data)),
                                  index, errno.EIO, operation)
    finally:
        os.close(fd)
