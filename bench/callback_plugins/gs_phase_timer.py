# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE)
"""Record when each task started and ended on each host (bench/site_bench.py).

ansible-core's junit callback gives one duration per task and host but no
start time and no action, and phases of a fleet run overlap across hosts:
the wall time of a phase needs real timestamps. Writes a JSON list of
{play, batch, task, path, action, role, host, status, start, end} (epoch
seconds) to $GS_BENCH_TIMINGS when the playbook ends. batch counts play
starts: a play with `serial` starts once per batch of hosts.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: gs_phase_timer
    type: aggregate
    short_description: per-task, per-host start and end times as JSON
    description: Used by bench/site_bench.py; writes to $GS_BENCH_TIMINGS.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'gs_phase_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.play = ''
        self.batch = 0
        self.tasks = {}    # task uuid -> what the bench maps to a phase
        self.started = {}  # (task uuid, host) -> time.time()
        self.records = []

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()
        self.batch += 1

    def v2_playbook_on_task_start(self, task, is_conditional):
        role = task._role.get_name() if task._role else ''  # pylint: disable=protected-access
        self.tasks[task._uuid] = dict(  # pylint: disable=protected-access
            play=self.play, batch=self.batch, task=task.get_name(),
            path=task.get_path() or '',
            action=task.resolved_action or task.action, role=role)

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def v2_runner_on_start(self, host, task):
        self.started[(task._uuid, host.name)] = time.time()  # pylint: disable=protected-access

    def _end(self, result, status):
        end = time.time()
        key = (result.task._uuid, result.host.name)  # pylint: disable=protected-access
        info = self.tasks.get(key[0])
        if info is None:
            return
        self.records.append(dict(info, host=key[1], status=status,
                                 start=self.started.get(key, end), end=end))

    def v2_runner_on_ok(self, result):
        self._end(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._end(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._end(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('GS_BENCH_TIMINGS')
        if path:
            with open(path, 'w', encoding='utf-8') as out:
                json.dump(self.records, out, indent=1)
