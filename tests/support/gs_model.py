# -*- coding: utf-8 -*-
"""An in-memory model of the kernel's /proc/graceful_shutdown contract.

The unit tests drive the module code against it directly, and the FUSE
stand-in (gs_proc_fuse.py) serves it as a real file for the ansible-playbook
tests, so both follow one definition of the contract (see the team brief and
the kernel interface v2):

- read: "<pid> <path>\\n" or "<pid> <path> signal=<N>\\n" per live
  registration whose run has not started, ascending pid;
- each write() is one operation, "<pid> <path>", "<pid> <path> signal=<N>"
  or "-<pid>", optionally newline-terminated; a write of PAGE_SIZE bytes or
  more is EINVAL;
- the path is absolute, 1..1023 bytes, no whitespace or control characters;
- signal=<N>: decimal 1..64, not 9 (SIGKILL) nor 19 (SIGSTOP); any other
  third field, or a fourth, is EINVAL;
- registering checks the file the path names (handler_errno): a regular
  executable file owned by root and not writable by group or others; every
  directory passed through on the way to it owned by root and not writable
  by group or others unless sticky; an entry in a sticky directory owned by
  root. Unsafe: EACCES; the path does not resolve: ENOENT, ENOTDIR, ELOOP;
- a writer outside the initial mount namespace, or with another root, gets
  EXDEV when registering (the kernel runs handlers in the host's namespaces);
- errors: EINVAL malformed, ESRCH no such process, ENOENT unregistering an
  unregistered pid, EPERM without CAP_SYS_ADMIN, ENOSPC when full, EBUSY
  for any write about a pid whose run is in progress; a failed write
  changes nothing; replacing never needs room;
- a run in progress: its registration is used up (no longer listed) and it
  has a line in /proc/graceful_shutdown_runs (runs_listing): "<pid> <path>
  scope=.. signal=<N, 0 for none> grace=.. handler=.. elapsed_ms=..
  left_ms=.. budget_left_kb=..". Only the OOM killer starts runs, so tests
  start and end them through begin_run and end_run;
- EOPNOTSUPP (a kernel built with CONFIG_STATIC_USERMODEHELPER refuses every
  handler) is not modelled by itself: tests ask for it, or for any errno
  the kernel might give a file the module's own check accepted, through
  KernelRegistry.refusals;
- a registration belongs to the process: it vanishes when the process
  exits and a later process reusing the pid does not inherit it.

The model checks files on the real filesystem it runs on, with its own
walk of the path (not the module's gs_handler), so that the two
implementations of the rule check each other.
"""

from __future__ import annotations

import errno
import os
import stat

PAGE_SIZE = 4096
MAX_PATH_BYTES = 1023
DEFAULT_MAX_ENTRIES = 8192
# The kernel's MAXSYMLINKS: more symlinks on one lookup is ELOOP.
MAX_SYMLINKS = 40
_GROUP_OR_OTHER_WRITE = stat.S_IWGRP | stat.S_IWOTH
MAX_SIGNAL = 64
# SIGKILL and SIGSTOP: a victim can neither catch them nor exit by itself.
UNCATCHABLE_SIGNALS = (9, 19)
# A run's fields after its path, in the kernel's order, and what a run
# begun by a test has unless it says otherwise.
RUN_FIELDS = (
    ('scope', b'memcg'),
    ('grace', b'on'),
    ('handler', b'running'),
    ('elapsed_ms', b'0'),
    ('left_ms', b'5000'),
    ('budget_left_kb', b'4096'),
)


def _valid_path(path):
    return (0 < len(path) <= MAX_PATH_BYTES and path.startswith(b'/') and
            not any(byte <= 0x20 or byte == 0x7f for byte in bytearray(path)))


def _parse_pid(text):
    if not text.isdigit():
        return None
    pid = int(text)
    return pid if 0 < pid < 2 ** 22 else None


def _parse_signal(field):
    """b"signal=15" -> 15; None unless it is a signal= the kernel takes."""
    key, sep, value = field.partition(b'=')
    if key != b'signal' or not sep or not value.isdigit():
        return None
    number = int(value)
    if not 0 < number <= MAX_SIGNAL or number in UNCATCHABLE_SIGNALS:
        return None
    return number


def _names(path):
    """The names of path as a stack: the first one last, "." left out."""
    return [name for name in reversed(path.split(b'/'))
            if name and name != b'.']


def _safe_directory(info):
    """Root's, and nobody else may rename in it unless it is sticky."""
    return info.st_uid == 0 and (not info.st_mode & _GROUP_OR_OTHER_WRITE or
                                 bool(info.st_mode & stat.S_ISVTX))


def _safe_file(info):
    return (stat.S_ISREG(info.st_mode) and info.st_uid == 0 and
            bool(info.st_mode & 0o111) and
            not info.st_mode & _GROUP_OR_OTHER_WRITE)


def handler_errno(path):
    """0 if the kernel would run path (bytes) as root, else its errno.

    Walks the path one entry at a time from /, following symlinks, as the
    kernel's lookup does, and checks every directory it passes through.
    """
    pending = _names(path)
    directory, info = b'/', os.lstat(b'/')
    links = 0
    while pending:
        if not stat.S_ISDIR(info.st_mode):
            return errno.ENOTDIR
        if not _safe_directory(info):
            return errno.EACCES
        name = pending.pop()
        if name == b'..':
            directory = os.path.dirname(directory)
            info = os.lstat(directory)
            continue
        entry = os.path.join(directory, name)
        try:
            entry_info = os.lstat(entry)
        except OSError as err:
            return err.errno
        # A sticky directory still lets an entry's owner rename or remove it.
        if info.st_mode & stat.S_ISVTX and entry_info.st_uid != 0:
            return errno.EACCES
        if stat.S_ISLNK(entry_info.st_mode):
            links += 1
            if links > MAX_SYMLINKS:
                return errno.ELOOP
            target = os.readlink(entry)
            pending.extend(_names(target))
            if target.startswith(b'/'):
                directory, info = b'/', os.lstat(b'/')
            continue
        directory, info = entry, entry_info
    return 0 if _safe_file(info) else errno.EACCES


class KernelRegistry(object):
    """The registry; identity(pid) gives a token for a live process.

    identity(pid) returns something that differs between two processes that
    had the same pid (the start time, say), or None when no process (thread
    group) has that pid. file_errno(path) answers for the file a
    registration names: handler_errno, on the real filesystem, by default.
    refusals maps a path (bytes) to the errno registering it gets whatever
    the file: how tests give the kernel another view than the module's
    early check (the file changed in between, a kernel built otherwise).
    begin_run and end_run stand for the OOM killer picking a registered
    process and its run ending.
    """

    def __init__(self, identity, max_entries=DEFAULT_MAX_ENTRIES,
                 file_errno=handler_errno):
        self._identity = identity
        self._file_errno = file_errno
        self.max_entries = max_entries
        self.refusals = {}
        # pid -> (path, token, signal or None)
        self._entries = {}
        # pid -> (path, token, signal or None, {field: bytes value})
        self._runs = {}
        self.writes = 0

    def _prune(self):
        for pid in list(self._entries):
            self._live(pid)

    def _live(self, pid):
        """Whether pid's registration is still its process's; drop it if not."""
        if pid not in self._entries:
            return False
        if self._identity(pid) != self._entries[pid][1]:
            del self._entries[pid]
            return False
        return True

    def _running(self, pid):
        """Whether the process pid now is has a run in progress."""
        return pid in self._runs and \
            self._identity(pid) == self._runs[pid][1]

    def registrations(self):
        """{pid: (handler, signal or None)}, handler as bytes, live ones."""
        self._prune()
        return dict((pid, (entry[0], entry[2]))
                    for pid, entry in self._entries.items())

    def listing(self):
        entries = self.registrations()
        lines = []
        for pid in sorted(entries):
            path, signal = entries[pid]
            lines.append(b'%d %s\n' % (pid, path) if signal is None else
                         b'%d %s signal=%d\n' % (pid, path, signal))
        return b''.join(lines)

    def runs_listing(self):
        """/proc/graceful_shutdown_runs: one line per run, ascending pid."""
        lines = []
        for pid in sorted(self._runs):
            path, _token, signal, fields = self._runs[pid]
            values = [b'scope=' + fields['scope'],
                      b'signal=%d' % (signal or 0)]
            values += [name.encode() + b'=' + fields[name]
                       for name in fields if name != 'scope']
            lines.append(b'%d %s %s\n' % (pid, path, b' '.join(values)))
        return b''.join(lines)

    def begin_run(self, pid, **fields):
        """The OOM killer picked pid: its registration becomes a run.

        fields (str values) replace the defaults of RUN_FIELDS; other
        names are added after them, as a later kernel's keys would be.
        Returns 0, or ENOENT when pid is not registered.
        """
        if not self._live(pid):
            return errno.ENOENT
        path, token, signal = self._entries.pop(pid)
        values = dict((name, value) for name, value in RUN_FIELDS)
        values.update((name, str(value).encode())
                      for name, value in fields.items())
        self._runs[pid] = (path, token, signal, values)
        return 0

    def end_run(self, pid):
        """pid's run is over; returns 0, or ENOENT when it had none."""
        if self._runs.pop(pid, None) is None:
            return errno.ENOENT
        return 0

    def write(self, data, privileged=True, initial_namespaces=True):
        """Apply one write(); return 0 or the errno the kernel would give.

        privileged: the opener has CAP_SYS_ADMIN in the initial user
        namespace; initial_namespaces: the writer is in the initial mount
        namespace with the host's root.
        """
        self.writes += 1
        if not privileged:
            return errno.EPERM
        if len(data) >= PAGE_SIZE or b'\0' in data:
            return errno.EINVAL
        if data.endswith(b'\n'):
            data = data[:-1]
        if data.startswith(b'-'):
            pid = _parse_pid(data[1:])
            if pid is None:
                return errno.EINVAL
            if self._running(pid):
                return errno.EBUSY
            if not self._live(pid):
                return errno.ENOENT
            del self._entries[pid]
            return 0
        pid_text, sep, rest = data.partition(b' ')
        path, has_field, field = rest.partition(b' ')
        pid = _parse_pid(pid_text)
        signal = _parse_signal(field) if has_field else None
        if not sep or pid is None or not _valid_path(path) or \
                (has_field and signal is None):
            return errno.EINVAL
        if not initial_namespaces:
            return errno.EXDEV
        token = self._identity(pid)
        if token is None:
            return errno.ESRCH
        if self._running(pid):
            return errno.EBUSY
        refused = self.refusals.get(path) or self._file_errno(path)
        if refused:
            return refused
        if not self._live(pid) and len(self._entries) >= self.max_entries:
            # Count only live registrations (a full scan, so only when full).
            self._prune()
            if len(self._entries) >= self.max_entries:
                return errno.ENOSPC
        self._entries[pid] = (path, token, signal)
        return 0


def process_identity(pid):
    """The start time of process pid, or None if no such process leads."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as stat_file:
            fields = stat_file.read().rsplit(b')', 1)[1].split()
        with open('/proc/%d/status' % pid, 'rb') as status_file:
            for line in status_file:
                if line.startswith(b'Tgid:'):
                    if int(line.split()[1]) != pid:
                        return None
                    break
    except (OSError, IndexError, ValueError):
        return None
    # fields[0] is field 3 (state): a zombie has exited already.
    if fields[0] == b'Z':
        return None
    # Field 22: the start time, which tells apart processes sharing a pid.
    return int(fields[19])
