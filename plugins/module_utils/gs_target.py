# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Find the process a registration is for: by pid, pidfile or systemd unit."""

from __future__ import annotations

PROC_ROOT = '/proc'


class TargetError(Exception):
    """The target cannot be resolved to a process; says what to fix."""


class NotRunning(TargetError):
    """The target names no live process (fine when unregistering)."""


def _read_proc(pid, name):
    try:
        with open('%s/%d/%s' % (PROC_ROOT, pid, name), 'rb') as proc_file:
            return proc_file.read().decode('utf-8', 'replace')
    except OSError:
        return None


def process_name(pid):
    """The process's comm, or None when it has exited."""
    comm = _read_proc(pid, 'comm')
    return None if comm is None else comm.rstrip('\n')


def thread_group(pid):
    """The pid of the live process (thread group) pid is part of, or None.

    A zombie has exited already: the kernel dropped its registration.
    """
    status = _read_proc(pid, 'status')
    if status is None:
        return None
    fields = dict(line.split(':', 1) for line in status.splitlines()
                  if ':' in line)
    if fields.get('State', '').strip().startswith('Z'):
        return None
    tgid = fields.get('Tgid', '').strip()
    return int(tgid) if tgid.isdigit() else None


def check_pid(pid, source):
    """Return pid when it is a live process; raise otherwise."""
    if pid < 1:
        raise TargetError('%s: pid %d is not a valid process id' % (source,
                                                                    pid))
    tgid = thread_group(pid)
    if tgid is None:
        raise NotRunning('%s: no process with pid %d is running'
                         % (source, pid))
    if tgid != pid:
        raise TargetError('%s: %d is a thread of process %d; registrations '
                          'belong to processes, give pid %d'
                          % (source, pid, tgid, tgid))
    return pid


def pid_from_pidfile(path):
    """The live pid named in a pidfile."""
    source = 'pidfile %s' % path
    try:
        with open(path, 'rb') as pidfile:
            text = pidfile.read(64).decode('ascii', 'replace').strip()
    except FileNotFoundError:
        raise NotRunning('%s does not exist; is the program running?'
                         % source)
    except OSError as err:
        raise TargetError('cannot read %s: %s' % (source, err.strerror))
    if not text.isdigit():
        raise TargetError('%s does not hold a pid (it reads %r)'
                          % (source, text[:20]))
    pid = int(text)
    try:
        return check_pid(pid, source)
    except NotRunning:
        raise NotRunning('%s names pid %d, which is not running (stale '
                         'pidfile)' % (source, pid))


def pid_from_service(unit, systemctl, run_command):
    """The MainPID of a running systemd unit.

    run_command(argv) -> (rc, stdout, stderr), as AnsibleModule.run_command.
    """
    source = 'service %s' % unit
    if not systemctl:
        raise TargetError('%s: systemctl was not found; target the process '
                          'by pid or pidfile instead' % source)
    argv = [systemctl, 'show', '-p', 'MainPID', '--value', '--', unit]
    rc, out, err = run_command(argv)
    if rc != 0:
        raise TargetError('%s: systemctl show failed (rc=%d): %s'
                          % (source, rc, (err or out).strip()))
    text = out.strip()
    if not text.isdigit():
        raise TargetError('%s: systemctl show gave no MainPID (%r)'
                          % (source, text[:40]))
    pid = int(text)
    if pid == 0:
        raise NotRunning('%s is not running (its MainPID is 0); start it '
                         'first, or check the unit name' % source)
    return check_pid(pid, source)
