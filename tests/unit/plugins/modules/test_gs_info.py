# -*- coding: utf-8 -*-
"""gs_info reports registrations with process names and handler state."""

from __future__ import annotations

import os

from ansible_collections.oomgs.graceful_shutdown.plugins.modules.gs_info import main
from module_runner import run


def test_reports_each_registration(monkeypatch, proc, kernel, spawn,
                                   handler, other_handler):
    first, second = spawn(), spawn()
    kernel.write(b'%d %s' % (second, handler.encode()))
    kernel.write(b'%d %s signal=15' % (first, other_handler.encode()))
    # Removed after registering: the registration stays.
    os.remove(other_handler)
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path),
                 check_mode=True)
    assert not result['changed'] and not result['failed']
    assert result['registrations'] == [
        dict(pid=first, handler=other_handler, signal=15, name='sleep',
             handler_exists=False),
        dict(pid=second, handler=handler, signal=None, name='sleep',
             handler_exists=True),
    ]


def test_empty_registry(monkeypatch, proc):
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path))
    assert result['registrations'] == []


def vmstat(tmp_path, text):
    path = tmp_path / 'vmstat'
    path.write_text('nr_free_pages 4096\n' + text + 'oom_kill 2\n')
    return str(path)


def test_counters(monkeypatch, proc, tmp_path):
    path = vmstat(tmp_path, 'graceful_shutdown_run 4\n'
                            'graceful_shutdown_exited 1\n'
                            'graceful_shutdown_timed_out 1\n'
                            'graceful_shutdown_failed 0\n'
                            'graceful_shutdown_refused 2\n')
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path,
                                         vmstat_path=path), check_mode=True)
    # A kernel before the grace period has no victim_exited: null alone.
    assert result['counters'] == dict(run=4, exited=1, timed_out=1,
                                      failed=0, refused=2, victim_exited=None)


def test_victim_exited(monkeypatch, proc, tmp_path):
    path = vmstat(tmp_path, 'graceful_shutdown_run 4\n'
                            'graceful_shutdown_exited 4\n'
                            'graceful_shutdown_timed_out 0\n'
                            'graceful_shutdown_failed 0\n'
                            'graceful_shutdown_refused 0\n'
                            'graceful_shutdown_victim_exited 3\n')
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path,
                                         vmstat_path=path))
    assert result['counters']['victim_exited'] == 3
    assert result['counters']['run'] == 4


def test_a_kernel_without_counters_gives_null(monkeypatch, proc, tmp_path):
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path,
                                         vmstat_path=vmstat(tmp_path, '')))
    assert result['counters'] is None and not result['failed']


def test_unreadable_vmstat_fails_clearly(monkeypatch, proc, tmp_path):
    result = run(monkeypatch, main, dict(
        proc_path=proc.proc_path, vmstat_path=str(tmp_path / 'none')))
    assert result['failed'] and 'cannot read' in result['msg']


def test_kernel_not_running(monkeypatch, tmp_path):
    result = run(monkeypatch, main,
                 dict(proc_path=os.path.join(str(tmp_path), 'absent')))
    assert result['failed']
    assert 'graceful-shutdown kernel is not running' in result['msg']


def runs_file(tmp_path, kernel):
    path = tmp_path / 'graceful_shutdown_runs'
    path.write_bytes(kernel.runs_listing())
    return str(path)


def test_runs_in_progress(monkeypatch, proc, kernel, spawn, handler,
                          tmp_path):
    picked, waiting = spawn(), spawn()
    kernel.write(b'%d %s signal=15' % (picked, handler.encode()))
    kernel.write(b'%d %s' % (waiting, handler.encode()))
    kernel.begin_run(picked, grace='on', handler='running', elapsed_ms=120,
                     left_ms=4880, budget_left_kb=3072, later_key='x')
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path,
                                         runs_path=runs_file(tmp_path,
                                                             kernel)))
    assert result['runs'] == [dict(
        pid=picked, handler=handler, scope='memcg', signal=15, grace='on',
        handler_state='running', elapsed_ms=120, left_ms=4880,
        budget_left_kb=3072)]
    # Its registration is used up: only the other one is listed.
    assert [r['pid'] for r in result['registrations']] == [waiting]


def test_no_runs_is_an_empty_list(monkeypatch, proc, kernel, tmp_path):
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path,
                                         runs_path=runs_file(tmp_path,
                                                             kernel)))
    assert result['runs'] == []


def test_a_kernel_without_the_runs_file_gives_null(monkeypatch, proc,
                                                   tmp_path):
    result = run(monkeypatch, main, dict(
        proc_path=proc.proc_path, runs_path=str(tmp_path / 'none')))
    assert result['runs'] is None and not result['failed']


def test_a_malformed_runs_file_fails_clearly(monkeypatch, proc, tmp_path):
    path = tmp_path / 'runs'
    path.write_text('nonsense\n')
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path,
                                         runs_path=str(path)))
    assert result['failed'] and 'runs format' in result['msg']
