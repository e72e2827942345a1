# -*- coding: utf-8 -*-
"""The contract model that the unit tests and the FUSE stand-in share."""

from __future__ import annotations

import errno
import os

import pytest

from gs_model import KernelRegistry, handler_errno, process_identity

NOBODY = 65534


class Processes(object):
    """A process table: pid -> start time; None when gone."""

    def __init__(self, *pids):
        self.table = dict((pid, 1) for pid in pids)

    def __call__(self, pid):
        return self.table.get(pid)


@pytest.fixture
def table():
    return Processes(10, 20, 30)


def any_file_is_safe(path):
    return 0


@pytest.fixture
def registry(table):
    return KernelRegistry(table, max_entries=2, file_errno=any_file_is_safe)


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


def test_exited_process_frees_its_slot_and_cannot_be_unregistered(
        registry, table):
    assert registry.write(b'10 /a') == 0
    assert registry.write(b'20 /b') == 0
    del table.table[10]
    assert registry.write(b'-10') == errno.ENOENT
    assert registry.write(b'30 /c') == 0
    assert registry.listing() == b'20 /b\n30 /c\n'


def test_pid_reused_while_full_is_a_new_registration(registry, table):
    assert registry.write(b'10 /a') == 0
    assert registry.write(b'20 /b') == 0
    table.table[10] = 2
    assert registry.write(b'10 /c') == 0
    assert registry.listing() == b'10 /c\n20 /b\n'


def test_unsafe_or_missing_file_is_refused_and_changes_nothing(table):
    answers = {b'/unsafe': errno.EACCES, b'/missing': errno.ENOENT}
    registry = KernelRegistry(table, file_errno=lambda path: answers.get(path, 0))
    assert registry.write(b'10 /a') == 0
    assert registry.write(b'10 /unsafe') == errno.EACCES
    assert registry.write(b'20 /missing') == errno.ENOENT
    assert registry.listing() == b'10 /a\n'


def test_refusals_override_the_file_check(registry):
    registry.refusals[b'/a'] = errno.EOPNOTSUPP
    assert registry.write(b'10 /a') == errno.EOPNOTSUPP
    assert registry.write(b'10 /b') == 0
    assert registry.listing() == b'10 /b\n'


def test_writer_in_another_mount_namespace_cannot_register(registry):
    assert registry.write(b'10 /a', initial_namespaces=False) == errno.EXDEV
    assert registry.write(b'20 /b') == 0
    # Unregistering names no file, so it works from anywhere.
    assert registry.write(b'-20', initial_namespaces=False) == 0
    assert registry.listing() == b''


@pytest.fixture
def tree(tmp_path):
    """tmp_path/dir/handler: safe to run as root (tests run as root)."""
    directory = tmp_path / 'dir'
    directory.mkdir(mode=0o755)
    handler = directory / 'handler'
    handler.write_text('#!/bin/sh\n')
    handler.chmod(0o755)
    return tmp_path


def errno_of(path):
    return handler_errno(str(path).encode())


def test_safe_handler_is_accepted(tree):
    assert errno_of(tree / 'dir' / 'handler') == 0
    assert errno_of(str(tree) + '/./dir/../dir//handler') == 0


@pytest.mark.parametrize('change', [
    lambda tree: os.chmod(str(tree / 'dir' / 'handler'), 0o757),
    lambda tree: os.chmod(str(tree / 'dir' / 'handler'), 0o775),
    lambda tree: os.chmod(str(tree / 'dir' / 'handler'), 0o644),
    lambda tree: os.chown(str(tree / 'dir' / 'handler'), NOBODY, -1),
    lambda tree: os.chmod(str(tree / 'dir'), 0o777),
    lambda tree: os.chown(str(tree / 'dir'), NOBODY, -1),
    lambda tree: os.chmod(str(tree), 0o770),
], ids=['file others-writable', 'file group-writable', 'not executable',
        'file not root', 'directory writable', 'directory not root',
        'parent writable'])
def test_unsafe_file_or_directory_is_eacces(tree, change):
    change(tree)
    assert errno_of(tree / 'dir' / 'handler') == errno.EACCES


def test_a_directory_is_not_a_handler(tree):
    assert errno_of(tree / 'dir') == errno.EACCES


def test_sticky_directory_needs_root_owned_entries(tree):
    os.chmod(str(tree / 'dir'), 0o1777)
    assert errno_of(tree / 'dir' / 'handler') == 0
    link = tree / 'dir' / 'link'
    link.symlink_to('handler')
    assert errno_of(link) == 0
    os.lchown(str(link), NOBODY, -1)
    assert errno_of(link) == errno.EACCES


def test_symlinks_are_followed_and_their_directories_checked(tree):
    (tree / 'abs').symlink_to(tree / 'dir' / 'handler')
    (tree / 'rel').symlink_to('dir/handler')
    (tree / 'up').mkdir(mode=0o755)
    (tree / 'up' / 'back').symlink_to('../dir')
    assert errno_of(tree / 'abs') == 0
    assert errno_of(tree / 'rel') == 0
    assert errno_of(tree / 'up' / 'back' / 'handler') == 0
    os.chmod(str(tree / 'dir'), 0o777)
    assert errno_of(tree / 'abs') == errno.EACCES
    assert errno_of(tree / 'up' / 'back' / 'handler') == errno.EACCES


def test_paths_that_do_not_resolve(tree):
    assert errno_of(tree / 'dir' / 'none') == errno.ENOENT
    assert errno_of(tree / 'dir' / 'handler' / 'x') == errno.ENOTDIR
    (tree / 'loop').symlink_to('loop')
    assert errno_of(tree / 'loop') == errno.ELOOP


def test_the_default_file_check_is_the_real_one(table, tree):
    registry = KernelRegistry(table)
    assert registry.write(b'10 %s' % str(tree / 'missing').encode()) == \
        errno.ENOENT
    assert registry.write(b'10 %s' % str(tree / 'dir' / 'handler').encode()) == 0


def test_signal_is_registered_listed_and_replaced(registry):
    assert registry.write(b'20 /b signal=15\n') == 0
    assert registry.write(b'10 /a') == 0
    assert registry.listing() == b'10 /a\n20 /b signal=15\n'
    # A write replaces the whole registration: without signal= it has none.
    assert registry.write(b'20 /b') == 0
    assert registry.listing() == b'10 /a\n20 /b\n'
    assert registry.write(b'10 /a signal=64') == 0
    assert registry.listing() == b'10 /a signal=64\n20 /b\n'


@pytest.mark.parametrize('field', [
    b'signal=abc', b'signal=9', b'signal=19', b'signal=0', b'signal=65',
    b'signal=', b'signal=-1', b'signal=15 signal=15', b'foo=1', b'signal',
    b'signal=15 foo=1', b'SIGNAL=15',
])
def test_bad_third_field_is_einval_and_changes_nothing(registry, field):
    registry.write(b'20 /b signal=15')
    assert registry.write(b'10 /a ' + field) == errno.EINVAL
    assert registry.write(b'20 /c ' + field) == errno.EINVAL
    assert registry.listing() == b'20 /b signal=15\n'


@pytest.fixture
def running(registry):
    """10 registered with signal 15, then picked: its run is in progress."""
    assert registry.write(b'10 /a signal=15') == 0
    assert registry.write(b'20 /b') == 0
    assert registry.begin_run(10, grace='on', left_ms=4200) == 0
    return registry


def test_a_run_uses_the_registration_up_and_is_listed_in_runs(running):
    assert running.listing() == b'20 /b\n'
    assert running.runs_listing() == (
        b'10 /a scope=memcg signal=15 grace=on handler=running elapsed_ms=0 '
        b'left_ms=4200 budget_left_kb=4096\n')


def test_every_write_about_a_running_pid_is_ebusy(running):
    for data in (b'10 /a signal=15', b'10 /c', b'-10'):
        assert running.write(data) == errno.EBUSY
    assert running.listing() == b'20 /b\n'
    # Malformed text is still EINVAL; other pids are not held up.
    assert running.write(b'10 /a signal=9') == errno.EINVAL
    assert running.write(b'20 /c signal=10') == 0


def test_after_the_run_the_pid_can_register_again(running):
    assert running.end_run(10) == 0
    assert running.runs_listing() == b''
    assert running.listing() == b'20 /b\n'
    assert running.write(b'-10') == errno.ENOENT
    assert running.write(b'10 /a') == 0
    assert running.end_run(10) == errno.ENOENT


def test_a_run_without_signal_lists_zero_and_keeps_unknown_keys(registry):
    registry.write(b'20 /b')
    assert registry.begin_run(20, handler='exited', later_key='x') == 0
    assert registry.runs_listing() == (
        b'20 /b scope=memcg signal=0 grace=on handler=exited elapsed_ms=0 '
        b'left_ms=5000 budget_left_kb=4096 later_key=x\n')


def test_only_a_registration_can_begin_a_run(registry):
    assert registry.begin_run(10) == errno.ENOENT


def test_a_new_process_on_the_pid_of_a_run_is_not_busy(running, table):
    table.table[10] = 2
    assert running.write(b'10 /a') == 0
