# -*- coding: utf-8 -*-
"""Listing format, one write per operation, and errno messages."""

from __future__ import annotations

import errno

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils import gs_registry
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_registry import (
    KernelNotRunning,
    Operation,
    Registration,
    RegistryError,
    WriteFailed,
    apply_operations,
    errno_name,
    explain_write_error,
    format_listing,
    parse_listing,
    read_registrations,
)


def test_parse_listing_reads_each_line():
    assert parse_listing('12 /usr/bin/a\n300 /opt/b signal=15\n') == {
        12: Registration('/usr/bin/a', None),
        300: Registration('/opt/b', 15)}


def test_parse_listing_leaves_a_later_kernels_keys_alone():
    assert parse_listing('12 /a budget_kb=64 signal=10\n13 /b x=y\n') == {
        12: Registration('/a', 10), 13: Registration('/b', None)}


def test_parse_listing_empty_means_no_registrations():
    assert parse_listing('') == {}


@pytest.mark.parametrize('text', ['12\n', 'x /a\n', '-1 /a\n', '12 \n',
                                  '12 /a b\n', '12 /a signal=x\n',
                                  '12 /a signal=0\n', '12 /a signal=65\n',
                                  '12 /a signal=\n'])
def test_parse_listing_refuses_malformed_lines(text):
    with pytest.raises(ValueError):
        parse_listing(text)


def test_format_listing_is_the_kernel_listing_in_pid_order():
    assert format_listing({300: Registration('/b', 15),
                           12: Registration('/a', None)}) == \
        '12 /a\n300 /b signal=15\n'
    assert format_listing({}) == ''


def test_listing_round_trips():
    text = '1 /a\n2 /b signal=1\n3 /c signal=64\n'
    assert format_listing(parse_listing(text)) == text


def test_operation_text_is_the_contract_syntax():
    assert Operation(42, '/usr/bin/h').text() == '42 /usr/bin/h\n'
    assert Operation(42, '/usr/bin/h', 15).text() == \
        '42 /usr/bin/h signal=15\n'
    assert Operation(42).text() == '-42\n'


def test_operation_describes_its_signal_by_name():
    assert Operation(42, '/h', 15).describe() == \
        'register pid 42 with handler /h and signal 15 (SIGTERM)'
    assert Operation(42, '/h').describe() == 'register pid 42 with handler /h'
    assert Operation.register(42, Registration('/h', 10)) == \
        Operation(42, '/h', 10)
    assert Operation.register(42, None) == Operation(42)


def test_read_registrations_parses_the_file(tmp_path):
    path = tmp_path / 'listing'
    path.write_bytes(b'7 /h\n8 /g signal=15\n')
    assert read_registrations(str(path)) == {7: Registration('/h', None),
                                             8: Registration('/g', 15)}


def test_read_registrations_missing_file_says_kernel_not_running(tmp_path):
    with pytest.raises(KernelNotRunning) as raised:
        read_registrations(str(tmp_path / 'graceful_shutdown'))
    assert 'graceful-shutdown kernel is not running' in str(raised.value)


def test_read_registrations_refuses_a_foreign_format(tmp_path):
    path = tmp_path / 'listing'
    path.write_bytes(b'hello world\n')
    with pytest.raises(RegistryError) as raised:
        read_registrations(str(path))
    assert 'listing format' in str(raised.value)


def test_each_operation_is_one_write(proc, kernel, spawn, handler,
                                     other_handler):
    first, second = spawn(), spawn()
    apply_operations([Operation(first, handler),
                      Operation(second, other_handler, 15),
                      Operation(first)], proc.proc_path)
    assert proc.writes == [b'%d %s\n' % (first, handler.encode()),
                           b'%d %s signal=15\n' % (
                               second, other_handler.encode()),
                           b'-%d\n' % first]
    assert read_registrations(proc.proc_path) == {
        second: Registration(other_handler, 15)}


def test_refused_write_reports_index_and_stops(proc, spawn, handler):
    live = spawn()
    with pytest.raises(WriteFailed) as raised:
        apply_operations([Operation(live, handler),
                          Operation(live + 10 ** 6, handler),
                          Operation(live)], proc.proc_path)
    assert raised.value.index == 1
    assert raised.value.errno == errno.ESRCH
    assert 'does not exist (ESRCH)' in str(raised.value)
    assert len(proc.writes) == 2


def test_write_without_cap_sys_admin_says_become(proc, spawn):
    proc.privileged = False
    with pytest.raises(WriteFailed) as raised:
        apply_operations([Operation(spawn(), '/a')], proc.proc_path)
    assert 'become: true' in str(raised.value)


def test_write_to_missing_proc_file_says_kernel_not_running(proc):
    proc.present = False
    with pytest.raises(KernelNotRunning):
        apply_operations([Operation(1, '/a')], proc.proc_path)


def test_no_operations_opens_nothing(proc):
    proc.present = False
    apply_operations([], proc.proc_path)


@pytest.mark.parametrize('err_no, words', [
    (errno.EINVAL, 'must be absolute'),
    (errno.ESRCH, 'does not exist (ESRCH)'),
    (errno.EPERM, 'CAP_SYS_ADMIN'),
    (errno.ENOSPC, 'vm.graceful_shutdown_max_entries'),
    (errno.EIO, 'Input/output error'),
    (errno.EACCES, 'not safe to run as root'),
    (errno.ENOENT, 'does not resolve to a file: the file or a directory on '
                   'its path does not exist'),
    (errno.ENOTDIR, 'a component of the path is not a directory'),
    (errno.ELOOP, 'too many symbolic links'),
    (errno.EXDEV, "outside the host's initial mount namespace"),
    (errno.EOPNOTSUPP, 'CONFIG_STATIC_USERMODEHELPER'),
    (errno.EBUSY, 'a run for pid 5 is in progress: the OOM killer picked it '
                  'and its handler is running now (see '
                  '/proc/graceful_shutdown_runs); nothing changed; try again '
                  'after the run'),
])
def test_every_contract_errno_has_a_clear_message(err_no, words):
    message = explain_write_error(err_no, Operation(5, '/h'), '/proc/gs')
    assert words in message


@pytest.mark.parametrize('err_no, words', [
    (errno.ENOENT, 'pid 5 is not registered (ENOENT)'),
    (errno.EPERM, 'CAP_SYS_ADMIN'),
    # Only registering names a file: no claim about one here.
    (errno.EACCES, 'Permission denied'),
])
def test_unregister_errno_messages(err_no, words):
    message = explain_write_error(err_no, Operation(5), '/proc/gs')
    assert words in message and 'handler' not in message


@pytest.mark.parametrize('err_no', [errno.EACCES, errno.ENOENT, errno.ENOTDIR,
                                    errno.ELOOP, errno.EXDEV,
                                    errno.EOPNOTSUPP])
def test_refused_registration_says_the_errno_and_what_to_fix(err_no):
    message = explain_write_error(err_no, Operation(5, '/h'), '/proc/gs')
    assert message.startswith('the kernel refused to register pid 5 with '
                              'handler /h (%s): ' % errno_name(err_no))
    assert '; ' in message


def test_refused_write_names_the_operation(proc, spawn, handler):
    pid = spawn()
    proc.kernel.refusals[handler.encode()] = errno.EXDEV
    with pytest.raises(WriteFailed) as raised:
        apply_operations([Operation(pid, handler)], proc.proc_path)
    assert raised.value.operation == Operation(pid, handler)
    assert raised.value.errno == errno.EXDEV


def test_unopenable_file_names_no_operation(proc, monkeypatch):
    def refuse_open(path, flags):
        raise PermissionError(errno.EACCES, 'Permission denied', path)
    monkeypatch.setattr(proc, 'open', refuse_open)
    with pytest.raises(WriteFailed) as raised:
        apply_operations([Operation(1, '/h')], proc.proc_path)
    assert raised.value.operation is None
    assert 'become: true' in str(raised.value)


def test_the_module_uses_the_real_os_outside_tests():
    assert gs_registry.os.__name__ == 'os'


def test_errno_names_follow_the_contract():
    assert errno_name(errno.EOPNOTSUPP) == 'EOPNOTSUPP'
    assert errno_name(errno.EXDEV) == 'EXDEV'
    assert errno_name(100000) == 'errno 100000'


def test_unregistering_a_running_pid_says_ebusy():
    message = explain_write_error(errno.EBUSY, Operation(5), '/proc/gs')
    assert message.startswith('the kernel refused to unregister pid 5 '
                              '(EBUSY): a run for pid 5 is in progress')


def test_a_running_pid_is_ebusy_and_named(proc, kernel, spawn, handler):
    pid = spawn()
    apply_operations([Operation(pid, handler, 15)], proc.proc_path)
    assert kernel.begin_run(pid) == 0
    assert read_registrations(proc.proc_path) == {}
    with pytest.raises(WriteFailed) as raised:
        apply_operations([Operation(pid, handler, 15)], proc.proc_path)
    assert raised.value.errno == errno.EBUSY
    assert str(raised.value).startswith(
        'the kernel refused to register pid %d with handler %s and signal 15 '
        '(SIGTERM) (EBUSY): a run for pid %d is in progress'
        % (pid, handler, pid))
