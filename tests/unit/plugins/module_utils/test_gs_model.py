# -*- coding: utf-8 -*-
"""The contract model that the unit tests and the FUSE stand-in share."""

from __future__ import annotations

import errno
import os

import pytest

from gs_model import KernelRegistry, process_identity


class Processes(object):
    """A process table: pid -> start time; None when gone."""

    def __init__(self, *pids):
        self.table = dict((pid, 1) for pid in pids)

    def __call__(self, pid):
        return self.table.get(pid)


@pytest.fixture
def table():
    return Processes(10, 20, 30)


@pytest.fixture
def registry(table):
    return KernelRegistry(table, max_entries=2)


def test_register_list_replace_unregister(registry):
    assert registry.write(b'20 /b\n') == 0
    assert registry.write(b'10 /a') == 0
    assert registry.listing() == b'10 /a\n20 /b\n'
    assert registry.write(b'10 /c') == 0
    assert registry.listing() == b'10 /c\n20 /b\n'
    assert registry.write(b'-10\n') == 0
    assert registry.listing() == b'20 /b\n'


@pytest.mark.parametrize('data', [
    b'', b'\n', b'10', b'10 ', b'10 rel/path', b'x /a', b'0 /a', b'-0',
    b'+10 /a', b'10 /a b', b'10 /a\tb', b'10 /a\x01', b'10 /a\0', b'-x',
    b'10 /' + b'a' * 1023, b'1 /' + b'a' * 4093,
])
def test_malformed_writes_are_einval_and_change_nothing(registry, data):
    registry.write(b'20 /b')
    assert registry.write(data) == errno.EINVAL
    assert registry.listing() == b'20 /b\n'


def test_longest_path_is_accepted(registry):
    assert registry.write(b'10 /' + b'a' * 1022) == 0


def test_unknown_process_is_esrch(registry):
    assert registry.write(b'99 /a') == errno.ESRCH


def test_unregistering_unregistered_is_enoent(registry):
    assert registry.write(b'-10') == errno.ENOENT


def test_unprivileged_writer_gets_eperm(registry):
    assert registry.write(b'10 /a', privileged=False) == errno.EPERM
    assert registry.listing() == b''


def test_full_registry_is_enospc_but_replacing_is_not(registry):
    assert registry.write(b'10 /a') == 0
    assert registry.write(b'20 /b') == 0
    assert registry.write(b'30 /c') == errno.ENOSPC
    assert registry.write(b'20 /d') == 0
    assert registry.listing() == b'10 /a\n20 /d\n'


def test_exit_drops_and_reused_pid_does_not_inherit(registry, table):
    registry.write(b'10 /a')
    del table.table[10]
    assert registry.listing() == b''
    table.table[10] = 2
    assert registry.listing() == b''
    assert registry.write(b'-10') == errno.ENOENT


def test_process_identity_tells_live_from_gone():
    assert process_identity(os.getpid()) is not None
    assert process_identity(2 ** 22 + 5) is None
