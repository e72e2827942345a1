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


class GracefulShutdownFs(Operations):
    """A directory holding the registry file and the write counter."""

    def __init__(self, registry):
        self._registry = registry
        self._mutex = threading.Lock()

    def getattr(self, path, fh=None):
        if path == '/':
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2,
                        st_uid=0, st_gid=0)
        if path == REGISTRY:
            return dict(st_mode=stat.S_IFREG | 0o600, st_nlink=1,
                        st_uid=0, st_gid=0, st_size=0)
        if path == COUNTER:
            return dict(st_mode=stat.S_IFREG | 0o444, st_nlink=1,
                        st_uid=0, st_gid=0, st_size=0)
        if path == REFUSALS:
            return dict(st_mode=stat.S_IFREG | 0o600, st_nlink=1,
                        st_uid=0, st_gid=0, st_size=0)
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return ['.', '..', REGISTRY[1:], COUNTER[1:], REFUSALS[1:]]

    def open(self, path, flags):
        if path not in (REGISTRY, COUNTER, REFUSALS):
            raise FuseOSError(errno.ENOENT)
        if path == COUNTER and flags & (os.O_WRONLY | os.O_RDWR):
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
            else:
                data = self._registry.listing()
        return data[offset:offset + size]

    def write(self, path, data, offset, fh):
        if path == REFUSALS:
            refused_path, err_no = parse_refusal(data)
            with self._mutex:
                self._registry.refusals[refused_path] = err_no
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
