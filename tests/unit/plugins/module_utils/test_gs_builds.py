# -*- coding: utf-8 -*-
"""The keep policy for installed graceful-shutdown builds."""

from __future__ import annotations

import json

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_builds import (
    BuildsError,
    read_records,
    select_prune,
)


def build(n, release=None):
    key = '%08x' % n + 'ab' * 6
    return dict(key=key, release=release or '6.1.192-oomgs-%08x' % n,
                package='linux-image-' + (release or '6.1.192-oomgs-%08x' % n),
                installed='2026-12-0%dT10:00:00+00:00' % n)


def keys(records):
    return [r['key'][:8] for r in records]


def test_keeps_the_newest_up_to_keep():
    records = [build(1), build(2), build(3)]
    kept, pruned = select_prune(records, 2, [], set())
    assert keys(kept) == ['00000003', '00000002'] and keys(pruned) == ['00000001']


def test_protected_releases_always_stay_even_past_keep():
    records = [build(1), build(2), build(3)]
    kept, pruned = select_prune(records, 1, [build(1)['release'], build(2)['release']], set())
    assert keys(kept) == ['00000002', '00000001'] and keys(pruned) == ['00000003']


def test_failed_builds_are_never_kept_for_the_count():
    records = [build(1), build(2), build(3)]
    failed = {build(3)['key'], build(2)['key']}
    kept, pruned = select_prune(records, 2, [build(1)['release']], failed)
    assert keys(kept) == ['00000001'] and keys(pruned) == ['00000003', '00000002']


def test_a_protected_failed_build_stays():
    records = [build(1), build(2)]
    kept, _pruned = select_prune(records, 1, [build(2)['release']], {build(2)['key']})
    assert keys(kept) == ['00000002']


def test_keep_below_one_is_refused():
    with pytest.raises(ValueError):
        select_prune([build(1)], 0, [], set())


def test_records_are_read_and_checked(tmp_path):
    assert read_records(str(tmp_path / 'missing')) == []
    record = build(4)
    (tmp_path / (record['key'] + '.json')).write_text(json.dumps(record))
    (tmp_path / 'notes.txt').write_text('ignored')
    assert read_records(str(tmp_path)) == [record]
    (tmp_path / (build(5)['key'] + '.json')).write_text(json.dumps(record))
    with pytest.raises(BuildsError, match='names another key'):
        read_records(str(tmp_path))


def test_an_unreadable_record_is_an_error(tmp_path):
    (tmp_path / (build(6)['key'] + '.json')).write_text('{not json')
    with pytest.raises(BuildsError, match='cannot read the build record'):
        read_records(str(tmp_path))
