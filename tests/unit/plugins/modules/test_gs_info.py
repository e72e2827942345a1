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
    kernel.write(b'%d %s' % (first, other_handler.encode()))
    # Removed after registering: the registration stays.
    os.remove(other_handler)
    result = run(monkeypatch, main, dict(proc_path=proc.proc_path),
                 check_mode=True)
    assert not result['changed'] and not result['failed']
    assert result['registrations'] == [
        dict(pid=first, handler=other_handler, name='sleep',
             handler_exists=False),
        dict(pid=second, handler=handler, name='sleep', handler_exists=True),
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
    assert result['counters'] == dict(run=4, exited=1, timed_out=1,
                                      failed=0, refused=2)


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
