# -*- coding: utf-8 -*-
"""gs_register against the contract model: idempotence, check and diff
modes, bulk and exclusive, validation before any write, rollback."""

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_registry import (
    errno_name,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.modules.gs_register import main
from module_runner import run


@pytest.fixture
def gs(monkeypatch, proc):
    def call(check_mode=False, diff=False, **args):
        args.setdefault('proc_path', proc.proc_path)
        return run(monkeypatch, main, args, check_mode, diff)
    return call


def listing(kernel):
    return kernel.listing().decode()


def test_register_then_rerun_is_a_no_op(gs, proc, kernel, spawn, handler):
    pid = spawn()
    result = gs(pid=pid, handler=handler)
    assert result['changed'] and not result['failed']
    assert result['pid'] == pid
    assert result['registrations'] == [dict(pid=pid, handler=handler,
                                            signal=None)]
    assert result['operations'] == ['%d %s' % (pid, handler)]
    assert listing(kernel) == '%d %s\n' % (pid, handler)
    again = gs(pid=pid, handler=handler)
    assert not again['changed'] and again['operations'] == []
    assert len(proc.writes) == 1


def test_check_mode_writes_nothing_and_predicts(gs, proc, spawn, handler):
    pid = spawn()
    result = gs(check_mode=True, diff=True, pid=pid, handler=handler)
    assert result['changed']
    assert result['registrations'] == [dict(pid=pid, handler=handler,
                                            signal=None)]
    assert result['diff']['before'] == ''
    assert result['diff']['after'] == '%d %s\n' % (pid, handler)
    assert proc.writes == []


def test_replace_shows_diff(gs, kernel, spawn, handler, other_handler):
    pid = spawn()
    gs(pid=pid, handler=handler)
    result = gs(diff=True, pid=pid, handler=other_handler)
    assert result['changed']
    assert result['diff'] == dict(
        before='%d %s\n' % (pid, handler),
        after='%d %s\n' % (pid, other_handler),
        before_header=result['diff']['before_header'],
        after_header=result['diff']['after_header'])
    assert listing(kernel) == '%d %s\n' % (pid, other_handler)


def test_no_diff_unless_asked(gs, spawn, handler):
    assert 'diff' not in gs(pid=spawn(), handler=handler)


def test_absent(gs, proc, kernel, spawn, handler):
    pid = spawn()
    gs(pid=pid, handler=handler)
    result = gs(pid=pid, state='absent')
    assert result['changed'] and result['registrations'] == []
    assert listing(kernel) == ''
    assert not gs(pid=pid, state='absent')['changed']
    assert len(proc.writes) == 2


def test_absent_for_a_gone_process_is_a_no_op(gs, proc, tmp_path):
    assert not gs(pid=2 ** 22 + 3, state='absent')['changed']
    missing = str(tmp_path / 'gone.pid')
    assert not gs(pidfile=missing, state='absent')['changed']
    assert proc.writes == []


def test_pidfile(gs, kernel, spawn, handler, tmp_path):
    pid = spawn()
    pidfile = tmp_path / 'app.pid'
    pidfile.write_text('%d\n' % pid)
    result = gs(pidfile=str(pidfile), handler=handler)
    assert result['pid'] == pid and result['changed']


def test_service(gs, monkeypatch, spawn, handler):
    from ansible.module_utils import basic
    pid = spawn()
    calls = []

    def run_command(self, argv, **kwargs):
        calls.append(argv)
        return 0, '%d\n' % pid, ''

    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, *a, **k: '/bin/' + name)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    result = gs(service='app.service', handler=handler)
    assert result['pid'] == pid and result['changed']
    assert calls[0][-1] == 'app.service'


def test_bulk_registers_many_in_one_run(gs, proc, kernel, spawn, handler):
    pids = [spawn() for count in range(5)]
    result = gs(registrations=[dict(pid=pid, handler=handler)
                               for pid in pids])
    assert result['changed'] and len(proc.writes) == 5
    assert [r['pid'] for r in result['registrations']] == sorted(pids)
    assert 'pid' not in result
    again = gs(registrations=[dict(pid=pid, handler=handler)
                              for pid in pids])
    assert not again['changed'] and len(proc.writes) == 5


def test_bulk_exclusive_removes_the_unlisted(gs, kernel, spawn, handler,
                                             other_handler):
    keep, drop = spawn(), spawn()
    gs(registrations=[dict(pid=keep, handler=handler),
                      dict(pid=drop, handler=handler)])
    result = gs(diff=True, exclusive=True,
                registrations=[dict(pid=keep, handler=other_handler)])
    assert result['operations'] == ['-%d' % drop,
                                    '%d %s' % (keep, other_handler)]
    assert listing(kernel) == '%d %s\n' % (keep, other_handler)
    cleared = gs(registrations=[], exclusive=True)
    assert cleared['changed'] and listing(kernel) == ''


def test_bulk_absent(gs, kernel, spawn, handler):
    pids = [spawn(), spawn()]
    gs(registrations=[dict(pid=pid, handler=handler) for pid in pids])
    result = gs(state='absent', registrations=[dict(pid=pid) for pid in pids])
    assert result['changed'] and listing(kernel) == ''


def test_same_pid_twice_with_one_handler_is_fine(gs, proc, spawn, handler):
    pid = spawn()
    result = gs(registrations=[dict(pid=pid, handler=handler, signal=15),
                               dict(pid=pid, handler=handler, signal='TERM')])
    assert result['changed'] and proc.writes == [
        b'%d %s signal=15\n' % (pid, handler.encode())]


def bad_handler(kind, handler, tmp_path):
    if kind == 'relative':
        return 'handlers/save-state'
    if kind == 'missing':
        return str(tmp_path / 'nothing')
    if kind == 'directory':
        return str(tmp_path)
    if kind == 'not executable':
        os.chmod(handler, 0o644)
    elif kind == 'not root':
        os.chown(handler, 65534, -1)
    elif kind == 'group writable':
        os.chmod(handler, 0o775)
    elif kind == 'unsafe directory':
        os.chmod(os.path.dirname(handler), 0o777)
    return handler


@pytest.mark.parametrize('kind, words', [
    ('relative', 'is not absolute'),
    ('missing', 'does not exist'),
    ('directory', 'not a regular file'),
    ('not executable', 'not executable'),
    ('not root', 'not root'),
    ('group writable', 'writable by group or others'),
    ('unsafe directory', 'writable by group or others'),
])
def test_bad_handler_in_a_bulk_list_changes_nothing(
        gs, proc, kernel, spawn, handler, other_handler, tmp_path, kind,
        words):
    good = spawn()
    bad = bad_handler(kind, handler, tmp_path)
    result = gs(registrations=[dict(pid=good, handler=other_handler),
                               dict(pid=spawn(), handler=bad)])
    assert result['failed'] and not result.get('changed')
    assert result['msg'].startswith('nothing was changed: ')
    assert 'registrations[1]: ' in result['msg']
    assert words in result['msg']
    assert proc.writes == [] and listing(kernel) == ''


def test_every_problem_is_reported_at_once(gs, proc, tmp_path, spawn):
    result = gs(registrations=[dict(pid=spawn(), handler='rel'),
                               dict(pid=2 ** 22 + 1, handler='/nothing')])
    assert len(result['problems']) == 3
    assert proc.writes == []


@pytest.mark.parametrize('args, words', [
    (dict(pid=2 ** 22 + 1), 'no process with pid'),
    (dict(pid=0), 'not a valid process id'),
    (dict(pidfile='/nonexistent/app.pid'), 'does not exist'),
])
def test_bad_target_changes_nothing(gs, proc, handler, args, words):
    result = gs(handler=handler, **args)
    assert result['failed'] and words in result['msg']
    assert proc.writes == []


def test_one_pid_two_handlers_is_refused(gs, proc, spawn, handler,
                                         other_handler):
    pid = spawn()
    result = gs(registrations=[dict(pid=pid, handler=handler),
                               dict(pid=pid, handler=other_handler)])
    assert result['failed'] and 'listed twice' in result['msg']
    assert proc.writes == []


def test_present_needs_a_handler(gs, proc, spawn):
    result = gs(registrations=[dict(pid=spawn())])
    assert result['failed'] and 'handler is required' in result['msg']
    result = gs(pid=spawn())
    assert result['failed'] and 'handler' in result['msg']
    assert proc.writes == []


def test_exclusive_needs_present(gs, proc, spawn):
    result = gs(pid=spawn(), state='absent', exclusive=True)
    assert result['failed'] and 'exclusive=true needs state=present' in \
        result['msg']


def test_kernel_not_running(gs, proc, spawn, handler):
    proc.present = False
    result = gs(pid=spawn(), handler=handler)
    assert result['failed']
    assert 'graceful-shutdown kernel is not running' in result['msg']


def test_unprivileged_write_fails_clearly(gs, proc, kernel, spawn, handler):
    proc.privileged = False
    result = gs(pid=spawn(), handler=handler)
    assert result['failed'] and 'CAP_SYS_ADMIN' in result['msg']
    assert listing(kernel) == ''


def test_full_registry_undoes_the_changes_made(gs, kernel, spawn, handler,
                                               other_handler):
    kernel.max_entries = 2
    kept = spawn()
    gs(pid=kept, handler=handler)
    before = listing(kernel)
    result = gs(registrations=[dict(pid=kept, handler=other_handler),
                               dict(pid=spawn(), handler=handler),
                               dict(pid=spawn(), handler=handler)])
    assert result['failed'] and 'ENOSPC' in result['msg']
    assert 'the 2 change(s) made before it were undone' in result['msg']
    assert listing(kernel) == before
    assert result['registrations'] == [dict(pid=kept, handler=handler,
                                            signal=None)]


def test_mutually_exclusive_targets(gs, spawn, handler):
    result = gs(pid=spawn(), pidfile='/run/x.pid', handler=handler)
    assert result['failed'] and 'mutually exclusive' in result['msg']


@pytest.fixture
def third_handler(handler):
    path = os.path.join(os.path.dirname(handler), 'checkpoint')
    with open(path, 'w') as handler_file:
        handler_file.write('#!/bin/sh\nexit 0\n')
    os.chmod(path, 0o755)
    return path


def change_before_the_kernel_sees(proc, path, change):
    """Run change() when the write registering path reaches the kernel,
    after gs_register checked the file: a change in between."""
    def hook(data):
        if data.rstrip(b'\n').endswith(b' ' + path.encode()):
            change()
    proc.before_write = hook


def refused_after_a_replacement(gs, spawn, handler, other_handler, refused):
    """Replace kept's handler, then register a new pid with `refused`."""
    kept = spawn()
    gs(pid=kept, handler=handler)
    result = gs(registrations=[dict(pid=kept, handler=other_handler),
                               dict(pid=spawn(), handler=refused)])
    return kept, result


def assert_refused_and_undone(result, kernel, kept, handler, *words):
    assert result['failed'] and not result.get('changed')
    for word in words:
        assert word in result['msg']
    assert 'the 1 change(s) made before it were undone' in result['msg']
    assert listing(kernel) == '%d %s\n' % (kept, handler)
    assert result['registrations'] == [dict(pid=kept, handler=handler,
                                            signal=None)]


def test_handler_made_unsafe_after_the_check_is_refused_and_undone(
        gs, proc, kernel, spawn, handler, other_handler, third_handler):
    change_before_the_kernel_sees(
        proc, third_handler, lambda: os.chmod(third_handler, 0o777))
    kept, result = refused_after_a_replacement(gs, spawn, handler,
                                               other_handler, third_handler)
    assert_refused_and_undone(
        result, kernel, kept, handler, '(EACCES)', 'not safe to run as root',
        'checked again after the refusal: the handler %s is writable by '
        'group or others (mode 0777)' % third_handler)


def test_handler_removed_after_the_check_is_refused_and_undone(
        gs, proc, kernel, spawn, handler, other_handler, third_handler):
    change_before_the_kernel_sees(proc, third_handler,
                                  lambda: os.remove(third_handler))
    kept, result = refused_after_a_replacement(gs, spawn, handler,
                                               other_handler, third_handler)
    assert_refused_and_undone(
        result, kernel, kept, handler, '(ENOENT)', 'does not resolve',
        'checked again after the refusal: the handler %s does not exist'
        % third_handler)


@pytest.mark.parametrize('err_no, words', [
    (errno.EACCES, "it passes gs_register's check: it or a directory on its "
                   "path may have changed"),
    (errno.ENOTDIR, 'a component of the path is not a directory'),
    (errno.ELOOP, 'too many symbolic links'),
    (errno.EXDEV, "the kernel runs handlers in the host's namespaces"),
    (errno.EOPNOTSUPP, 'CONFIG_STATIC_USERMODEHELPER'),
], ids=['EACCES', 'ENOTDIR', 'ELOOP', 'EXDEV', 'EOPNOTSUPP'])
def test_kernel_refusal_of_a_checked_handler_is_clear_and_undone(
        gs, kernel, spawn, handler, other_handler, third_handler, err_no,
        words):
    kernel.refusals[third_handler.encode()] = err_no
    kept, result = refused_after_a_replacement(gs, spawn, handler,
                                               other_handler, third_handler)
    assert_refused_and_undone(
        result, kernel, kept, handler,
        'the kernel refused to register pid', '(%s)' % errno_name(err_no),
        words)


def test_writer_outside_the_host_mount_namespace_gets_exdev(
        gs, proc, kernel, spawn, handler):
    proc.initial_namespaces = False
    result = gs(pid=spawn(), handler=handler)
    assert result['failed'] and '(EXDEV)' in result['msg']
    assert 'checked again' not in result['msg']
    assert listing(kernel) == ''


def test_check_mode_does_not_ask_the_kernel(gs, proc, kernel, spawn,
                                            handler):
    kernel.refusals[handler.encode()] = errno.EACCES
    result = gs(check_mode=True, pid=spawn(), handler=handler)
    assert result['changed'] and not result['failed']
    assert proc.writes == [] and listing(kernel) == ''


@pytest.mark.parametrize('signal', ['TERM', 'SIGTERM', 'term', 15, '15'])
def test_signal_is_written_as_its_number_and_then_a_no_op(
        gs, proc, kernel, spawn, handler, signal):
    pid = spawn()
    result = gs(pid=pid, handler=handler, signal=signal)
    assert result['changed']
    assert result['operations'] == ['%d %s signal=15' % (pid, handler)]
    assert result['registrations'] == [dict(pid=pid, handler=handler,
                                            signal=15)]
    assert listing(kernel) == '%d %s signal=15\n' % (pid, handler)
    for again in ('sigterm', 'SIGTERM', 15):
        assert not gs(pid=pid, handler=handler, signal=again)['changed']
    assert len(proc.writes) == 1


def test_adding_changing_or_dropping_the_signal_replaces(gs, kernel, spawn,
                                                         handler):
    pid = spawn()
    gs(pid=pid, handler=handler)
    added = gs(diff=True, pid=pid, handler=handler, signal='USR1')
    assert added['changed'] and added['diff']['before'] == \
        '%d %s\n' % (pid, handler)
    assert added['diff']['after'] == '%d %s signal=10\n' % (pid, handler)
    changed = gs(diff=True, pid=pid, handler=handler, signal='INT')
    assert changed['diff']['after'] == '%d %s signal=2\n' % (pid, handler)
    dropped = gs(diff=True, pid=pid, handler=handler)
    assert dropped['changed']
    assert dropped['diff']['before'] == '%d %s signal=2\n' % (pid, handler)
    assert dropped['diff']['after'] == '%d %s\n' % (pid, handler)
    assert listing(kernel) == '%d %s\n' % (pid, handler)


def test_check_mode_and_diff_with_a_signal(gs, proc, kernel, spawn, handler):
    pid = spawn()
    result = gs(check_mode=True, diff=True, pid=pid, handler=handler,
                signal='TERM')
    assert result['changed'] and proc.writes == []
    assert result['diff']['after'] == '%d %s signal=15\n' % (pid, handler)
    assert result['registrations'] == [dict(pid=pid, handler=handler,
                                            signal=15)]
    assert listing(kernel) == ''


def test_bulk_with_signals(gs, kernel, spawn, handler, other_handler):
    first, second = spawn(), spawn()
    items = [dict(pid=first, handler=handler, signal='TERM'),
             dict(pid=second, handler=other_handler)]
    result = gs(registrations=items)
    assert result['registrations'] == [
        dict(pid=first, handler=handler, signal=15),
        dict(pid=second, handler=other_handler, signal=None)]
    assert not gs(registrations=items)['changed']


def test_one_pid_two_signals_is_refused(gs, proc, spawn, handler):
    pid = spawn()
    result = gs(registrations=[dict(pid=pid, handler=handler, signal='TERM'),
                               dict(pid=pid, handler=handler)])
    assert result['failed'] and 'listed twice' in result['msg']
    assert proc.writes == []


@pytest.mark.parametrize('signal, words', [
    ('KILL', "signal 'KILL' is SIGKILL (9), which the kernel refuses"),
    ('SIGSTOP', "signal 'SIGSTOP' is SIGSTOP (19), which the kernel refuses"),
    (9, 'signal 9 is SIGKILL (9)'),
    (0, 'signal 0 is out of range'),
    (65, 'signal 65 is out of range'),
    ('BOGUS', "signal 'BOGUS' is not a signal name or number"),
    (True, 'signal True is not a signal name or number'),
])
def test_bad_signal_is_refused_before_any_write(gs, proc, kernel, spawn,
                                                handler, other_handler,
                                                signal, words):
    single = gs(pid=spawn(), handler=handler, signal=signal)
    bulk = gs(registrations=[dict(pid=spawn(), handler=other_handler),
                             dict(pid=spawn(), handler=handler,
                                  signal=signal)])
    for result in (single, bulk):
        assert result['failed'] and not result.get('changed')
        assert result['msg'].startswith('nothing was changed: ')
        assert words in result['msg']
    assert 'registrations[1]: ' + words in bulk['msg']
    assert proc.writes == [] and listing(kernel) == ''


def test_signal_needs_the_single_form(gs, spawn, handler):
    result = gs(registrations=[dict(pid=spawn(), handler=handler)],
                signal='TERM')
    assert result['failed'] and 'mutually exclusive' in result['msg']


EBUSY_WORDS = ('(EBUSY): a run for pid %d is in progress: the OOM killer '
               'picked it and its handler is running now (see '
               '/proc/graceful_shutdown_runs); nothing changed; try again '
               'after the run')


def test_a_pid_in_its_run_is_ebusy_and_earlier_writes_are_undone(
        gs, proc, kernel, spawn, handler, other_handler):
    kept, running = spawn(), spawn()
    gs(registrations=[dict(pid=kept, handler=handler),
                      dict(pid=running, handler=handler, signal='TERM')])
    assert kernel.begin_run(running) == 0
    result = gs(registrations=[
        dict(pid=kept, handler=other_handler, signal='TERM'),
        dict(pid=running, handler=handler, signal='TERM')])
    assert result['failed'] and not result.get('changed')
    assert ('the kernel refused to register pid %d with handler %s and '
            'signal 15 (SIGTERM) ' % (running, handler)) + \
        EBUSY_WORDS % running in result['msg']
    assert 'checked again' not in result['msg']
    assert 'the 1 change(s) made before it were undone' in result['msg']
    assert listing(kernel) == '%d %s\n' % (kept, handler)
    assert result['registrations'] == [dict(pid=kept, handler=handler,
                                            signal=None)]


def test_a_run_that_begins_after_the_read_is_ebusy(gs, proc, kernel, spawn,
                                                   handler, other_handler):
    pid = spawn()
    gs(pid=pid, handler=handler)

    def oom_now(data):
        kernel.begin_run(pid)
    proc.before_write = oom_now
    result = gs(pid=pid, handler=other_handler, signal='TERM')
    assert result['failed'] and EBUSY_WORDS % pid in result['msg']
    assert result['registrations'] == []


def test_a_pid_in_its_run_is_not_listed_so_absent_is_a_no_op(
        gs, proc, kernel, spawn, handler):
    pid = spawn()
    gs(pid=pid, handler=handler)
    kernel.begin_run(pid)
    assert not gs(pid=pid, state='absent')['changed']
    assert len(proc.writes) == 1


def test_check_mode_does_not_ask_the_kernel_about_runs(gs, proc, kernel,
                                                       spawn, handler):
    pid = spawn()
    gs(pid=pid, handler=handler)
    kernel.begin_run(pid)
    result = gs(check_mode=True, pid=pid, handler=handler)
    assert result['changed'] and not result['failed']
    assert len(proc.writes) == 1
