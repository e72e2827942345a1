# -*- coding: utf-8 -*-
"""The graceful-shutdown counters in /proc/vmstat."""

from __future__ import annotations

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_counters import (
    CountersError,
    parse_counters,
    read_counters,
)

VMSTAT = (
    'nr_free_pages 123456\n'
    'oom_kill 3\n'
    'graceful_shutdown_run 5\n'
    'graceful_shutdown_exited 2\n'
    'graceful_shutdown_timed_out 1\n'
    'graceful_shutdown_failed 1\n'
    'graceful_shutdown_refused 1\n'
    'swap_ra 0\n'
)
FIVE = dict(run=5, exited=2, timed_out=1, failed=1, refused=1)


def test_reads_the_five_counters_of_a_kernel_before_victim_exited():
    assert parse_counters(VMSTAT) == dict(FIVE, victim_exited=None)


def test_reads_victim_exited():
    text = VMSTAT + 'graceful_shutdown_victim_exited 3\n'
    assert parse_counters(text) == dict(FIVE, victim_exited=3)


def test_a_kernel_without_them_has_none():
    assert parse_counters('nr_free_pages 1\noom_kill 0\n') is None
    assert parse_counters('') is None


def test_only_whole_names_count():
    text = 'graceful_shutdown_run_total 9\ngraceful_shutdown_run 4\n'
    counters = parse_counters(text)
    assert counters['run'] == 4
    assert set(counters.values()) == {4, None}


def test_a_counter_without_a_number_is_refused():
    with pytest.raises(ValueError) as raised:
        parse_counters('oom_kill 1\ngraceful_shutdown_run x\n')
    assert 'line 2' in str(raised.value)


def test_read_counters(tmp_path):
    path = tmp_path / 'vmstat'
    path.write_text(VMSTAT)
    assert read_counters(str(path))['run'] == 5


def test_unreadable_or_malformed_vmstat_says_so(tmp_path):
    with pytest.raises(CountersError) as raised:
        read_counters(str(tmp_path / 'none'))
    assert 'cannot read' in str(raised.value)
    path = tmp_path / 'vmstat'
    path.write_text('graceful_shutdown_exited -1\n')
    with pytest.raises(CountersError) as raised:
        read_counters(str(path))
    assert 'does not follow the vmstat format' in str(raised.value)


def test_the_real_vmstat_reads():
    counters = read_counters()
    assert counters is None or set(counters) == {
        'run', 'exited', 'timed_out', 'failed', 'refused', 'victim_exited'}
