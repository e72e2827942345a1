# -*- coding: utf-8 -*-
"""The runs in progress in /proc/graceful_shutdown_runs."""

from __future__ import annotations

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_runs import (
    RunsError,
    parse_runs,
    read_runs,
)

RUNS = (
    '42 /usr/local/lib/oomgs/handlers/save-state scope=memcg signal=15 '
    'grace=on handler=running elapsed_ms=120 left_ms=4880 '
    'budget_left_kb=3072\n'
    '77 /h scope=global signal=0 grace=over handler=exited elapsed_ms=9 '
    'left_ms=0 budget_left_kb=0\n'
)


def test_reads_each_run():
    assert parse_runs(RUNS) == [
        dict(pid=42, handler='/usr/local/lib/oomgs/handlers/save-state',
             scope='memcg', signal=15, grace='on', handler_state='running',
             elapsed_ms=120, left_ms=4880, budget_left_kb=3072),
        # signal=0: the registration asked none, null like a registration's.
        dict(pid=77, handler='/h', scope='global', signal=None, grace='over',
             handler_state='exited', elapsed_ms=9, left_ms=0,
             budget_left_kb=0),
    ]


def test_unknown_keys_are_ignored_and_missing_ones_null():
    runs = parse_runs('5 /h cgroup_id=99 grace=on later=x=y\n')
    assert runs == [dict(pid=5, handler='/h', scope=None, signal=None,
                         grace='on', handler_state=None, elapsed_ms=None,
                         left_ms=None, budget_left_kb=None)]


def test_no_runs():
    assert parse_runs('') == []


@pytest.mark.parametrize('text', [
    'x /h grace=on\n', '5\n', '5 h grace=on\n', '5 /h grace\n',
    '5 /h left_ms=soon\n', '5 /h signal=-1\n',
])
def test_malformed_lines_are_refused(text):
    with pytest.raises(ValueError) as raised:
        parse_runs('1 /h\n' + text)
    assert str(raised.value).startswith('line 2: ')


def test_a_kernel_without_the_file_has_no_runs(tmp_path):
    assert read_runs(str(tmp_path / 'graceful_shutdown_runs')) is None


def test_read_runs(tmp_path):
    path = tmp_path / 'runs'
    path.write_text(RUNS)
    assert [run['pid'] for run in read_runs(str(path))] == [42, 77]


def test_a_foreign_format_or_unreadable_file_says_so(tmp_path):
    path = tmp_path / 'runs'
    path.write_text('hello world\n')
    with pytest.raises(RunsError) as raised:
        read_runs(str(path))
    assert 'does not follow the graceful-shutdown runs format' in \
        str(raised.value)
    with pytest.raises(RunsError) as raised:
        read_runs(str(tmp_path))
    assert 'cannot read' in str(raised.value)
