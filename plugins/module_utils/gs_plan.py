# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Turn wanted registrations into the fewest registry operations."""

from __future__ import annotations

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_registry import (
    Operation,
)


def plan(current, present, absent, exclusive):
    """Return (operations, expected) to go from current to what is wanted.

    current and present map pid -> Registration (handler and signal: a
    registration differing in either is replaced); absent is a set of pids to
    unregister; exclusive also unregisters every pid not in present.
    Removals go first so that a full registry has room for the additions,
    and replacing an existing registration never needs room.
    """
    removals = set(pid for pid in absent if pid in current)
    if exclusive:
        removals.update(pid for pid in current if pid not in present)
    replacements = []
    additions = []
    for pid in sorted(present):
        wanted = present[pid]
        if pid not in current:
            additions.append(Operation.register(pid, wanted))
        elif current[pid] != wanted:
            replacements.append(Operation.register(pid, wanted))
    operations = ([Operation(pid) for pid in sorted(removals)] +
                  replacements + additions)
    return operations, expected_after(current, operations)


def expected_after(current, operations):
    """The registrations once all operations succeeded."""
    after = dict(current)
    for operation in operations:
        if operation.handler is None:
            after.pop(operation.pid, None)
        else:
            after[operation.pid] = operation.registration()
    return after


def undo(before, applied):
    """Operations that restore `before` after `applied` went through."""
    undo_operations = []
    for operation in reversed(applied):
        previous = before.get(operation.pid)
        undo_operations.append(Operation.register(operation.pid, previous))
    return undo_operations
