# -*- coding: utf-8 -*-
"""record-victim, rendered and run as the kernel runs it: every variable
the kernel gives is recorded, one line each."""

from __future__ import annotations

import os
import subprocess

from gs_templates import write_script

KERNEL_ENVIRONMENT = dict(
    GS_VICTIM_COMM='oom\\x0acreator',
    GS_OOM_SCOPE='memcg',
    GS_OOM_CONSTRAINT='memcg',
    GS_VICTIM_CGROUP='/gs.slice/gs-memlimit.slice/run-r1.scope',
    GS_VICTIM_RSS_KB='48212',
    GS_DEADLINE_MS='4987',
    GS_SIGNAL='15',
    GS_VICTIM_PIDFD='3',
)


def run_handler(tmp_path, victim, **changes):
    records = tmp_path / 'records'
    records.mkdir()
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    # No journal here: logger only has to succeed.
    logger = bin_dir / 'logger'
    logger.write_text('#!/bin/sh\nexit 0\n')
    logger.chmod(0o755)
    handler = write_script(str(tmp_path), 'record-victim.j2',
                           gs_runtime_record_dir=str(records))
    environment = dict(KERNEL_ENVIRONMENT, GS_VICTIM_PID=str(victim),
                       PATH='%s:/usr/sbin:/usr/bin:/sbin:/bin' % bin_dir,
                       HOME='/', **changes)
    subprocess.run([handler, str(victim)], env=environment, check=True)
    return (records / ('%d.env' % victim)).read_text()


def test_records_what_the_kernel_tells(tmp_path):
    victim = subprocess.Popen(['sleep', '60'])
    try:
        text = run_handler(tmp_path, victim.pid)
    finally:
        victim.kill()
        victim.wait()
    fields = dict(line.split('=', 1) for line in text.splitlines())
    for name, value in KERNEL_ENVIRONMENT.items():
        assert fields[name] == value
    assert fields['argv_pid'] == fields['GS_VICTIM_PID'] == str(victim.pid)
    assert fields['victim_alive'] == 'yes'
    assert fields['handler_uid'] == str(os.getuid())


def test_a_newline_in_a_value_stays_on_its_line(tmp_path):
    text = run_handler(tmp_path, 2 ** 22 + 1,
                       GS_VICTIM_CGROUP='/evil\nvictim_alive=yes')
    assert 'GS_VICTIM_CGROUP=/evil?victim_alive=yes\n' in text
    assert 'victim_alive=no\n' in text
    assert len(text.splitlines()) == 14
