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
    Registration,
)


def reg(handler, signal=None):
    return Registration(handler, signal)


def test_nothing_to_do():
    assert plan({1: reg('/a', 15)}, {1: reg('/a', 15)}, set(), False) == \
        ([], {1: reg('/a', 15)})


def test_add_replace_remove_in_safe_order():
    operations, after = plan({1: reg('/a'), 2: reg('/b'), 3: reg('/c')},
                             {2: reg('/x'), 4: reg('/d')}, {3}, False)
    assert operations == [Operation(3), Operation(2, '/x'),
                          Operation(4, '/d')]
    assert after == {1: reg('/a'), 2: reg('/x'), 4: reg('/d')}


def test_a_changed_signal_alone_replaces():
    current = {1: reg('/a'), 2: reg('/b', 15), 3: reg('/c', 15)}
    operations, after = plan(current, {1: reg('/a', 15), 2: reg('/b'),
                                       3: reg('/c', 10)}, set(), False)
    assert operations == [Operation(1, '/a', 15), Operation(2, '/b'),
                          Operation(3, '/c', 10)]
    assert after == {1: reg('/a', 15), 2: reg('/b'), 3: reg('/c', 10)}


def test_absent_for_unregistered_is_nothing():
    assert plan({1: reg('/a')}, {}, {2}, False) == ([], {1: reg('/a')})


def test_exclusive_removes_the_unlisted_first():
    operations, after = plan({1: reg('/a'), 2: reg('/b')}, {3: reg('/c')},
                             set(), True)
    assert operations == [Operation(1), Operation(2), Operation(3, '/c')]
    assert after == {3: reg('/c')}


def test_exclusive_with_nothing_listed_clears():
    operations, after = plan({1: reg('/a')}, {}, set(), True)
    assert operations == [Operation(1)] and after == {}


def test_undo_restores_before():
    before = {1: reg('/a'), 2: reg('/b', 15)}
    applied = [Operation(1), Operation(2, '/x'), Operation(3, '/c', 10)]
    after = expected_after(before, applied)
    assert expected_after(after, undo(before, applied)) == before
    assert undo(before, applied) == [Operation(3), Operation(2, '/b', 15),
                                     Operation(1, '/a')]
