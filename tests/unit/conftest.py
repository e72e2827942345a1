# -*- coding: utf-8 -*-
"""Shared fixtures: the collection on the import path, live processes,
safe and unsafe handlers, and the kernel contract model behind the
module's proc file I/O."""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _expose_collection():
    """Make ansible_collections.oomgs.graceful_shutdown this checkout."""
    root = tempfile.mkdtemp(prefix='gs-units-')
    # rmtree removes the symlink itself, never the checkout it points to.
    atexit.register(shutil.rmtree, root, True)
    namespace = os.path.join(root, 'ansible_collections', 'oomgs')
    os.makedirs(namespace)
    os.symlink(TOP, os.path.join(namespace, 'graceful_shutdown'))
    sys.path.insert(0, root)


_expose_collection()
sys.path.insert(0, os.path.join(TOP, 'tests', 'support'))

# pylint: disable=wrong-import-position
from gs_model import KernelRegistry, process_identity  # noqa: E402
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils import gs_registry  # noqa: E402


@pytest.fixture
def spawn():
    """Start long-sleeping processes; returns a function giving a pid."""
    children = []

    def start():
        child = subprocess.Popen(['sleep', '600'])
        children.append(child)
        # Wait for the exec, so the process name is already "sleep".
        for attempt in range(1000):
            with open('/proc/%d/comm' % child.pid) as comm:
                if comm.read().strip() == 'sleep':
                    break
            time.sleep(0.001)
        return child.pid

    yield start
    for child in children:
        child.kill()
        child.wait()


@pytest.fixture
def handler(tmp_path):
    """A handler that passes every safety check (tests run as root)."""
    path = tmp_path / 'handlers' / 'save-state'
    path.parent.mkdir(mode=0o755)
    path.write_text('#!/bin/sh\nexit 0\n')
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def other_handler(handler):
    path = os.path.join(os.path.dirname(handler), 'log-oom')
    with open(path, 'w') as handler_file:
        handler_file.write('#!/bin/sh\nexit 0\n')
    os.chmod(path, 0o755)
    return path


class FakeProcFile(object):
    """Routes the module's os.open/os.write on proc_path to the model."""

    O_WRONLY = os.O_WRONLY

    def __init__(self, kernel, proc_path):
        self.kernel = kernel
        self.proc_path = proc_path
        self.privileged = True
        self.initial_namespaces = True
        self.present = True
        self.writes = []
        # Called with each write's data before the kernel sees it: how a
        # test changes a file after the module checked it.
        self.before_write = None

    def open(self, path, flags):
        assert path == self.proc_path
        if not self.present:
            raise FileNotFoundError(errno.ENOENT, 'No such file', path)
        return 1000

    def write(self, fd, data):
        assert fd == 1000
        self.writes.append(data)
        if self.before_write:
            self.before_write(data)
        err = self.kernel.write(data, self.privileged,
                                self.initial_namespaces)
        if err:
            raise OSError(err, os.strerror(err))
        return len(data)

    def close(self, fd):
        assert fd == 1000

    @staticmethod
    def strerror(err_no):
        return os.strerror(err_no)


@pytest.fixture
def kernel():
    return KernelRegistry(process_identity)


@pytest.fixture
def proc(monkeypatch, tmp_path, kernel):
    """proc_path served by the model: reads and writes go through it."""
    proc_path = str(tmp_path / 'graceful_shutdown')
    fake = FakeProcFile(kernel, proc_path)
    real_open = open

    def fake_open(path, mode='r', *args, **kwargs):
        if path != proc_path:
            return real_open(path, mode, *args, **kwargs)
        if not fake.present:
            raise FileNotFoundError(errno.ENOENT, 'No such file', path)
        listing = os.path.join(str(tmp_path), 'listing')
        with real_open(listing, 'wb') as listing_file:
            listing_file.write(kernel.listing())
        return real_open(listing, mode, *args, **kwargs)

    monkeypatch.setattr(gs_registry, 'os', fake)
    monkeypatch.setattr(gs_registry, 'open', fake_open, raising=False)
    return fake
