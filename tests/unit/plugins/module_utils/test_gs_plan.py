# -*- coding: utf-8 -*-
"""Planning the fewest operations, and undoing them."""

from __future__ import annotations

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_plan import (
    expected_after,
    plan,
    undo,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_registry import (
    Operation,
)


def test_nothing_to_do():
    assert plan({1: '/a'}, {1: '/a'}, set(), False) == ([], {1: '/a'})


def test_add_replace_remove_in_safe_order():
    operations, after = plan({1: '/a', 2: '/b', 3: '/c'},
                             {2: '/x', 4: '/d'}, {3}, False)
    assert operations == [Operation(3), Operation(2, '/x'),
                          Operation(4, '/d')]
    assert after == {1: '/a', 2: '/x', 4: '/d'}


def test_absent_for_unregistered_is_nothing():
    assert plan({1: '/a'}, {}, {2}, False) == ([], {1: '/a'})


def test_exclusive_removes_the_unlisted_first():
    operations, after = plan({1: '/a', 2: '/b'}, {3: '/c'}, set(), True)
    assert operations == [Operation(1), Operation(2), Operation(3, '/c')]
    assert after == {3: '/c'}


def test_exclusive_with_nothing_listed_clears():
    operations, after = plan({1: '/a'}, {}, set(), True)
    assert operations == [Operation(1)] and after == {}


def test_undo_restores_before():
    before = {1: '/a', 2: '/b'}
    applied = [Operation(1), Operation(2, '/x'), Operation(3, '/c')]
    after = expected_after(before, applied)
    assert expected_after(after, undo(before, applied)) == before
    assert undo(before, applied) == [Operation(3), Operation(2, '/b'),
                                     Operation(1, '/a')]
