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


def test_kernel_not_running(monkeypatch, tmp_path):
    result = run(monkeypatch, main,
                 dict(proc_path=os.path.join(str(tmp_path), 'absent')))
    assert result['failed']
    assert 'graceful-shutdown kernel is not running' in result['msg']
