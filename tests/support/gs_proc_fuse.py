# -*- coding: utf-8 -*-
"""Serve /proc/graceful_shutdown's contract as a real file through FUSE.

Usage: /usr/bin/python3 gs_proc_fuse.py MOUNTPOINT [--max-entries N]

MOUNTPOINT/graceful_shutdown behaves like the kernel's file (gs_model.py
decides every answer), so gs_register and gs_info run the same code paths
as on the graceful-shutdown kernel: one write() per operation reaches the
model as one request (direct_io, big_writes), errnos reach the writer, and
registrations follow real processes (pid + start time from /proc), the
handler file is checked on this host's filesystem, and a writer in another
mount namespace or root than the stand-in's (the kernel's initial ones)
cannot register. MOUNTPOINT/writes counts the write() calls seen, so tests
can prove that check mode and refused input wrote nothing.
MOUNTPOINT/refusals takes "<ERRNO NAME> <path>" per write, say
"EXDEV /usr/local/lib/h": from then on registering that path gets that
errno, as if the kernel saw what the module's own check did not.
MOUNTPOINT/graceful_shutdown_runs is the kernel's list of runs in progress
(0400). MOUNTPOINT/running stands for the OOM killer: "<pid> [key=value
...]" per write begins pid's run (its registration is used up, writes about
it get EBUSY; the values replace the run's defaults, unknown keys are
added), "-<pid>" ends it; ENOENT when there is no registration or run.

Runs in the foreground until unmounted. Needs Debian's python3-fusepy.
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
import threading

try:
    # Debian's python3-fusepy names the module fusepy; PyPI's fusepy, fuse.
    from fusepy import FUSE, FuseOSError, Operations, fuse_get_context
except ImportError:
    from fuse import FUSE, FuseOSError, Operations, fuse_get_context

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gs_model import KernelRegistry, process_identity  # noqa: E402 pylint: disable=wrong-import-position

CAP_SYS_ADMIN = 21
REGISTRY = '/graceful_shutdown'
COUNTER = '/writes'
REFUSALS = '/refusals'
RUNS = '/graceful_shutdown_runs'
RUNNING = '/running'
# Files only root may open, their modes, as the kernel's are.
MODES = {REGISTRY: 0o600, COUNTER: 0o444, REFUSALS: 0o600, RUNS: 0o400,
         RUNNING: 0o600}


def has_cap_sys_admin(pid):
    try:
        with open('/proc/%d/status' % pid, 'rb') as status_file:
            for line in status_file:
                if line.startswith(b'CapEff:'):
                    return bool(int(line.split()[1], 16) &
                                (1 << CAP_SYS_ADMIN))
    except OSError:
        pass
    return False


def in_our_namespaces(pid):
    """Whether pid sees the mounts and the root this stand-in sees."""
    try:
        same_mounts = (os.readlink('/proc/%d/ns/mnt' % pid) ==
                       os.readlink('/proc/self/ns/mnt'))
        return same_mounts and os.path.samestat(os.stat('/proc/%d/root' % pid),
                                                os.stat('/'))
    except OSError:
        return False


def parse_refusal(data):
    """b"EXDEV /path" -> (b"/path", errno.EXDEV); FuseOSError if bad."""
    name, sep, path = data.rstrip(b'\n').partition(b' ')
    err_no = getattr(errno, name.decode('ascii', 'replace'), None)
    if not sep or not path or not isinstance(err_no, int):
        raise FuseOSError(errno.EINVAL)
    return path, err_no


def parse_run(data):
    """b"42 grace=over" -> (42, {'grace': 'over'}); FuseOSError if bad."""
    words = data.decode('ascii', 'replace').split()
    if not words or not words[0].lstrip('-').isdigit() or \
            words[0].startswith('--'):
        raise FuseOSError(errno.EINVAL)
    fields = dict(word.split('=', 1) for word in words[1:] if '=' in word)
    if len(fields) != len(words) - 1:
        raise FuseOSError(errno.EINVAL)
    return int(words[0]), fields


class GracefulShutdownFs(Operations):
    """A directory holding the registry file and the write counter."""

    def __init__(self, registry):
        self._registry = registry
        self._mutex = threading.Lock()

    def getattr(self, path, fh=None):
        if path == '/':
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2,
                        st_uid=0, st_gid=0)
        if path in MODES:
            return dict(st_mode=stat.S_IFREG | MODES[path], st_nlink=1,
                        st_uid=0, st_gid=0, st_size=0)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return ['.', '..'] + sorted(name[1:] for name in MODES)

    def open(self, path, flags):
        if path not in MODES:
            raise FuseOSError(errno.ENOENT)
        # Root would pass default_permissions: refuse writes to read-only ones.
        if not MODES[path] & 0o200 and flags & (os.O_WRONLY | os.O_RDWR):
            raise FuseOSError(errno.EACCES)
        return 0

    def read(self, path, size, offset, fh):
        with self._mutex:
            if path == COUNTER:
                data = b'%d\n' % self._registry.writes
            elif path == REFUSALS:
                refusals = self._registry.refusals
                data = b''.join(b'%s %s\n' % (errno.errorcode[refusals[name]]
                                              .encode(), name)
                                for name in sorted(refusals))
            elif path == RUNS:
                data = self._registry.runs_listing()
            elif path == RUNNING:
                data = b''
            else:
                data = self._registry.listing()
        return data[offset:offset + size]

    def write(self, path, data, offset, fh):
        if path == REFUSALS:
            refused_path, err_no = parse_refusal(data)
            with self._mutex:
                self._registry.refusals[refused_path] = err_no
            return len(data)
        if path == RUNNING:
            pid, fields = parse_run(data)
            with self._mutex:
                if pid < 0:
                    err = self._registry.end_run(-pid)
                else:
                    err = self._registry.begin_run(pid, **fields)
            if err:
                raise FuseOSError(err)
            return len(data)
        if path != REGISTRY:
            raise FuseOSError(errno.EACCES)
        caller = fuse_get_context()[2]
        with self._mutex:
            err = self._registry.write(data, has_cap_sys_admin(caller),
                                       in_our_namespaces(caller))
        if err:
            raise FuseOSError(err)
        return len(data)

    def truncate(self, path, length, fh=None):
        # Like a proc file: O_TRUNC from "echo ... > file" is accepted.
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('mountpoint')
    parser.add_argument('--max-entries', type=int, default=8192)
    args = parser.parse_args()
    registry = KernelRegistry(process_identity, args.max_entries)
    FUSE(GracefulShutdownFs(registry), args.mountpoint, foreground=True,
         nothreads=False, allow_other=True, default_permissions=True,
         direct_io=True, big_writes=True, max_write=131072,
         fsname='gs_proc_fuse')


if __name__ == '__main__':
    main()
