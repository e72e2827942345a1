# -*- coding: utf-8 -*-
"""Finding the process: pid, pidfile, systemd MainPID."""

from __future__ import annotations

import os
import threading

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_target import (
    NotRunning,
    TargetError,
    check_pid,
    pid_from_pidfile,
    pid_from_service,
    process_name,
)

GONE = 2 ** 22 + 7


def test_live_process(spawn):
    pid = spawn()
    assert check_pid(pid, 'pid') == pid
    assert process_name(pid) == 'sleep'


def test_gone_process():
    with pytest.raises(NotRunning):
        check_pid(GONE, 'pid')
    assert process_name(GONE) is None


def test_zero_pid_is_invalid():
    with pytest.raises(TargetError) as raised:
        check_pid(0, 'pid')
    assert 'not a valid process id' in str(raised.value)


def test_thread_is_refused_with_its_process():
    ready = threading.Event()
    done = threading.Event()
    tids = []

    def worker():
        tids.append(threading.get_native_id())
        ready.set()
        done.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    try:
        with pytest.raises(TargetError) as raised:
            check_pid(tids[0], 'pid')
    finally:
        done.set()
        thread.join()
    assert 'is a thread of process %d' % os.getpid() in str(raised.value)


def test_pidfile(tmp_path, spawn):
    pid = spawn()
    path = tmp_path / 'app.pid'
    path.write_text('%d\n' % pid)
    assert pid_from_pidfile(str(path)) == pid


def test_missing_pidfile(tmp_path):
    with pytest.raises(NotRunning) as raised:
        pid_from_pidfile(str(tmp_path / 'app.pid'))
    assert 'does not exist' in str(raised.value)


def test_pidfile_without_a_pid(tmp_path):
    path = tmp_path / 'app.pid'
    path.write_text('hello\n')
    with pytest.raises(TargetError) as raised:
        pid_from_pidfile(str(path))
    assert 'does not hold a pid' in str(raised.value)


def test_stale_pidfile(tmp_path):
    path = tmp_path / 'app.pid'
    path.write_text('%d\n' % GONE)
    with pytest.raises(NotRunning) as raised:
        pid_from_pidfile(str(path))
    assert 'stale pidfile' in str(raised.value)


class Systemctl(object):
    """Answers `systemctl show -p MainPID --value UNIT` (recorded)."""

    def __init__(self, rc, out, err=''):
        self.answer = (rc, out, err)
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        return self.answer


def test_service_main_pid(spawn):
    pid = spawn()
    systemctl = Systemctl(0, '%d\n' % pid)
    assert pid_from_service('app.service', '/bin/systemctl', systemctl) == pid
    assert systemctl.calls == [['/bin/systemctl', 'show', '-p', 'MainPID',
                                '--value', '--', 'app.service']]


def test_stopped_service():
    with pytest.raises(NotRunning) as raised:
        pid_from_service('app.service', '/bin/systemctl', Systemctl(0, '0\n'))
    assert 'service app.service is not running' in str(raised.value)


def test_systemctl_failure():
    with pytest.raises(TargetError) as raised:
        pid_from_service('app.service', '/bin/systemctl',
                         Systemctl(1, '', 'Failed to connect to bus'))
    assert 'Failed to connect to bus' in str(raised.value)


def test_no_systemctl():
    with pytest.raises(TargetError) as raised:
        pid_from_service('app.service', None, Systemctl(0, '1\n'))
    assert 'systemctl was not found' in str(raised.value)
