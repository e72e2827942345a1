# -*- coding: utf-8 -*-
"""The verdict on a batch of the rollout and the run's summary."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.oomgs.graceful_shutdown.plugins.filter.gs_rollout import (
    batch_verdict,
    rollout_summary,
)

OK = dict(phase='done', result='healthy', reason='runs Linux 6.1.119-oomgs-d4eceaf1')
REFUSED = dict(phase='preflight', result='refused', reason='UEFI Secure Boot is on')


def test_all_healthy_passes():
    verdict = batch_verdict(['a', 'b'], ['a', 'b'], dict(a=OK, b=OK), 0)
    assert not verdict['stop'] and verdict['eligible'] == 2 and verdict['lost'] == []


def test_refused_hosts_count_for_nothing():
    verdict = batch_verdict(['a', 'b'], ['b'], dict(a=REFUSED, b=OK), 0)
    assert not verdict['stop'] and verdict['eligible'] == 1 and [e['host'] for e in verdict['refused']] == ['a']


def test_a_batch_of_refused_hosts_only_passes():
    assert not batch_verdict(['a'], [], dict(a=REFUSED), 0)['stop']


def test_an_unreachable_host_counts_like_a_failed_one():
    # Left the play without a final outcome: failed or unreachable.
    reboot = dict(phase='health', result='running', reason='checking Linux 6.1.119')
    verdict = batch_verdict(['a', 'b'], ['b'], dict(a=reboot, b=OK), 0)
    assert verdict['stop'] and verdict['lost_percentage'] == 50.0
    assert verdict['lost'] == [dict(host='a', phase='health', result='failed or unreachable',
                                    reason='checking Linux 6.1.119')]


def test_recorded_failures_count_even_while_still_in_the_play():
    failed = dict(phase='trial', result='failed', reason='it booted 6.1.0 instead')
    lost = dict(phase='health', result='unreachable', reason='unreachable after the trial boot')
    verdict = batch_verdict(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'], dict(a=failed, b=lost, c=OK, d=OK), 50)
    assert not verdict['stop'] and verdict['lost_percentage'] == 50.0
    assert batch_verdict(['a', 'b', 'c'], ['a', 'b', 'c'], dict(a=failed, b=lost, c=OK), 50)['stop']


def test_a_host_that_never_started_counts_as_lost():
    verdict = batch_verdict(['a'], [], dict(a=None), 0)
    assert verdict['stop'] and verdict['lost'][0]['phase'] == 'start'


def test_bad_percentage():
    with pytest.raises(AnsibleFilterError):
        batch_verdict(['a'], ['a'], {}, 'lots')


def test_summary_lists_the_hosts_not_done_first():
    outcomes = dict(a=OK, b=REFUSED, c=dict(phase='reboot', result='failed', reason='did not come back'), d=None)
    assert rollout_summary(['a', 'b', 'c', 'd'], outcomes) == [
        'c: failed (reboot): did not come back',
        'a: healthy (done): runs Linux 6.1.119-oomgs-d4eceaf1',
        'b: refused (preflight): UEFI Secure Boot is on']


def test_hostvar_gives_none_for_hosts_without_the_variable():
    from ansible_collections.oomgs.graceful_shutdown.plugins.filter.gs_rollout import hostvar
    from jinja2 import Undefined
    hostvars = dict(a=dict(kernel_install_outcome=OK), b=dict(), c=dict(kernel_install_outcome=Undefined()))
    assert hostvar(['a', 'b', 'c'], hostvars, 'kernel_install_outcome') == dict(a=OK, b=None, c=None)
