# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the fleet rollout (playbooks/site.yml): the verdict on a batch
and the summary of a run, from what each host recorded
(kernel_install_outcome: phase, result, reason)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

# planned: check mode's outcome.
FINAL = ('healthy', 'installed', 'refused', 'planned')


def _entry(host, outcome, in_play):
    outcome = dict(outcome or {})
    result = outcome.get('result') or ''
    if result not in FINAL and result not in ('failed', 'unreachable'):
        result = 'failed or unreachable' if not in_play else 'unfinished'
    return dict(host=host, phase=outcome.get('phase') or 'start', result=result,
                reason=outcome.get('reason') or '')


def batch_verdict(batch, remaining, outcomes, max_fail_percentage):
    try:
        allowed = float(max_fail_percentage)
    except (TypeError, ValueError):
        raise AnsibleFilterError('gs_batch_verdict: max_fail_percentage must be a number, got %r'
                                 % (max_fail_percentage,))
    remaining = set(remaining or [])
    outcomes = outcomes or {}
    lost, refused, ok = [], [], []
    for host in batch:
        entry = _entry(host, outcomes.get(host), host in remaining)
        if entry['result'] == 'refused':
            refused.append(entry)
        elif host in remaining and entry['result'] in FINAL:
            ok.append(entry)
        else:
            lost.append(entry)
    eligible = len(lost) + len(ok)
    percentage = 100.0 * len(lost) / eligible if eligible else 0.0
    return dict(stop=percentage > allowed, eligible=eligible, lost=lost, refused=refused, ok=ok,
                lost_percentage=round(percentage, 1))


def rollout_summary(hosts, outcomes, remaining=None):
    """One line per host that has an outcome: host, result, phase, reason;
    the hosts not done first."""
    remaining = set(remaining) if remaining is not None else None
    lines = []
    for host in hosts:
        outcome = (outcomes or {}).get(host)
        if not outcome:
            continue
        entry = _entry(host, outcome, remaining is None or host in remaining)
        lines.append((entry['result'] in FINAL, '%s: %s (%s)%s' % (
            host, entry['result'], entry['phase'], (': ' + entry['reason']) if entry['reason'] else '')))
    return [text for dummy, text in sorted(lines, key=lambda line: line[0])]


def hostvar(hosts, hostvars, name):
    """Host to its variable name, None where the host does not have it."""
    found = {}
    for host in hosts:
        try:
            value = hostvars[host][name]
        except (KeyError, AttributeError):
            value = None
        found[host] = None if isinstance(value, Undefined) else value
    return found


class FilterModule(object):
    def filters(self):
        return dict(gs_batch_verdict=batch_verdict, gs_rollout_summary=rollout_summary, gs_hostvar=hostvar)
