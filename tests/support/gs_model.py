# -*- coding: utf-8 -*-
"""An in-memory model of the kernel's /proc/graceful_shutdown contract.

The unit tests drive the module code against it directly, and the FUSE
stand-in (gs_proc_fuse.py) serves it as a real file for the ansible-playbook
tests, so both follow one definition of the contract (see the team brief):

- read: "<pid> <path>\\n" per live registration, ascending pid;
- each write() is one operation, "<pid> <path>" or "-<pid>", optionally
  newline-terminated; a write of PAGE_SIZE bytes or more is EINVAL;
- the path is absolute, 1..1023 bytes, no whitespace or control characters;
- errors: EINVAL malformed, ESRCH no such process, ENOENT unregistering an
  unregistered pid, EPERM without CAP_SYS_ADMIN, ENOSPC when full; a failed
  write changes nothing; replacing never needs room;
- a registration belongs to the process: it vanishes when the process
  exits and a later process reusing the pid does not inherit it.
"""

from __future__ import annotations

import errno

PAGE_SIZE = 4096
MAX_PATH_BYTES = 1023
DEFAULT_MAX_ENTRIES = 8192


def _valid_path(path):
    return (0 < len(path) <= MAX_PATH_BYTES and path.startswith(b'/') and
            not any(byte <= 0x20 or byte == 0x7f for byte in bytearray(path)))


def _parse_pid(text):
    if not text.isdigit():
        return None
    pid = int(text)
    return pid if 0 < pid < 2 ** 22 else None


class KernelRegistry(object):
    """The registry; identity(pid) gives a token for a live process.

    identity(pid) returns something that differs between two processes that
    had the same pid (the start time, say), or None when no process (thread
    group) has that pid.
    """

    def __init__(self, identity, max_entries=DEFAULT_MAX_ENTRIES):
        self._identity = identity
        self.max_entries = max_entries
        self._entries = {}
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

    def registrations(self):
        """{pid: handler as bytes} for live registrations."""
        self._prune()
        return dict((pid, entry[0]) for pid, entry in self._entries.items())

    def listing(self):
        entries = self.registrations()
        return b''.join(b'%d %s\n' % (pid, entries[pid])
                        for pid in sorted(entries))

    def write(self, data, privileged=True):
        """Apply one write(); return 0 or the errno the kernel would give."""
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
            if not self._live(pid):
                return errno.ENOENT
            del self._entries[pid]
            return 0
        pid_text, sep, path = data.partition(b' ')
        pid = _parse_pid(pid_text)
        if not sep or pid is None or not _valid_path(path):
            return errno.EINVAL
        token = self._identity(pid)
        if token is None:
            return errno.ESRCH
        if not self._live(pid) and len(self._entries) >= self.max_entries:
            # Count only live registrations (a full scan, so only when full).
            self._prune()
            if len(self._entries) >= self.max_entries:
                return errno.ENOSPC
        self._entries[pid] = (path, token)
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
