# -*- coding: utf-8 -*-
"""graceful_saver, compiled as the role compiles it: it holds memory until
SIGTERM, then saves a complete state file and exits 0 by itself."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest

from gs_templates import ROLE

pytestmark = pytest.mark.skipif(shutil.which('gcc') is None,
                                reason='gcc is not installed')


@pytest.fixture(scope='module')
def saver(tmp_path_factory):
    binary = tmp_path_factory.mktemp('bin') / 'graceful_saver'
    subprocess.run(['gcc', '-O2', '-Wall', '-Werror', '-static', '-o',
                    str(binary),
                    os.path.join(ROLE, 'files', 'graceful_saver.c')],
                   check=True)
    return str(binary)


def start(saver, state, *args):
    child = subprocess.Popen([saver, str(state)] + list(args),
                             stdout=subprocess.PIPE, text=True)
    # Up when it has said so and touched its first 10 MiB.
    for line in child.stdout:
        if 'MiB touched' in line:
            return child
    raise AssertionError('graceful_saver exited early: %s' % child.wait())


@pytest.mark.parametrize('stop', [signal.SIGTERM, signal.SIGINT])
def test_saves_its_state_and_exits_0(saver, tmp_path, stop):
    state = tmp_path / 'state'
    child = start(saver, state, '1', '1')
    before = time.time()
    child.send_signal(stop)
    assert child.wait(timeout=10) == 0
    fields = dict(line.split('=', 1) for line in
                  state.read_text().splitlines())
    assert fields['pid'] == str(child.pid)
    assert fields['signal'] == str(int(stop))
    assert int(fields['held_mib']) >= 10
    assert float(fields['saved_at']) >= before - 1
    assert fields['complete'] == 'yes'
    assert list(tmp_path.iterdir()) == [state]


def test_a_failed_save_exits_1(saver, tmp_path):
    child = start(saver, tmp_path / 'none' / 'state', '1', '1')
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=10) == 1


@pytest.mark.parametrize('args', [[], ['s', 'x'], ['s', '1', '-1'],
                                  ['s', '1', '1', '1']])
def test_bad_usage(saver, args):
    done = subprocess.run([saver] + args, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2
