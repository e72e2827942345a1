# -*- coding: utf-8 -*-
"""gs_kernel_builds lists the recorded builds and which the policy removes."""

from __future__ import annotations

import json

from ansible_collections.oomgs.graceful_shutdown.plugins.modules.gs_kernel_builds import main
from module_runner import run


def state(tmp_path, count, failed=()):
    builds = tmp_path / 'builds'
    builds.mkdir()
    records = []
    for n in range(1, count + 1):
        key = '%08x' % n + 'cd' * 6
        record = dict(key=key, release='6.1.192-oomgs-%08x' % n, package='linux-image-6.1.192-oomgs-%08x' % n,
                      installed='2026-12-0%dT10:00:00+00:00' % n)
        (builds / (key + '.json')).write_text(json.dumps(record))
        records.append(record)
    (tmp_path / 'failed-trials').mkdir()
    for n in failed:
        (tmp_path / 'failed-trials' / records[n - 1]['key']).write_text('failed\n')
    return records


def test_prunes_by_policy_and_changes_nothing(monkeypatch, tmp_path):
    records = state(tmp_path, 4, failed=[4])
    result = run(monkeypatch, main, dict(state_dir=str(tmp_path), keep=2, protect=[records[0]['release']]),
                 check_mode=True)
    assert not result['changed'] and not result['failed']
    assert [r['key'] for r in result['keep']] == [records[2]['key'], records[0]['key']]
    assert [r['key'] for r in result['prune']] == [records[3]['key'], records[1]['key']]
    assert len(result['builds']) == 4
    assert len(list((tmp_path / 'builds').iterdir())) == 4


def test_no_records_means_nothing_to_prune(monkeypatch, tmp_path):
    result = run(monkeypatch, main, dict(state_dir=str(tmp_path)))
    assert result['builds'] == [] and result['prune'] == []


def test_keep_zero_is_a_clear_error(monkeypatch, tmp_path):
    result = run(monkeypatch, main, dict(state_dir=str(tmp_path), keep=0))
    assert result['failed'] and 'keep must be at least 1' in result['msg']


def test_a_broken_record_fails_clearly(monkeypatch, tmp_path):
    (tmp_path / 'builds').mkdir()
    (tmp_path / 'builds' / ('ab' * 10 + '.json')).write_text('{}')
    result = run(monkeypatch, main, dict(state_dir=str(tmp_path)))
    assert result['failed'] and 'lacks key, release, package, installed' in result['msg']
