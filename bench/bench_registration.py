# -*- coding: utf-8 -*-
"""Time gs_register through ansible-playbook on localhost.

Usage (as root, after scripts/bootstrap.sh):
    .venv/bin/python bench/bench_registration.py [--count 1000] [--repeat 3]

Against the FUSE stand-in for /proc/graceful_shutdown (the contract model
served as a real file), with real sleeping processes as targets, it times:
one registration, a no-op re-run, COUNT registrations as one bulk task,
the bulk no-op re-run, and COUNT registrations as COUNT loop items. Each
figure is the median task time (from the json callback) and the median
ansible-playbook wall time. Target: the bulk task within 2x of a single
registration. Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'tests', 'support'))

# pylint: disable=wrong-import-position
from gs_harness import (  # noqa: E402
    FuseRegistry,
    Processes,
    check_environment,
    run_playbook,
    write_handler,
)

SINGLE = """---
- name: One registration
  hosts: gs_test
  gather_facts: false
  tasks:
    - name: Register one process
      oomgs.graceful_shutdown.gs_register:
        pid: "{{ gs_pid }}"
        handler: "{{ gs_handler }}"
        proc_path: "{{ gs_proc_path }}"
"""

BULK = """---
- name: Many registrations in one task
  hosts: gs_test
  gather_facts: false
  tasks:
    - name: Register every process
      oomgs.graceful_shutdown.gs_register:
        registrations: "{{ gs_bulk }}"
        proc_path: "{{ gs_proc_path }}"
"""

LOOP = """---
- name: Many registrations as loop items
  hosts: gs_test
  gather_facts: false
  tasks:
    - name: Register each process
      oomgs.graceful_shutdown.gs_register:
        pid: "{{ item.pid }}"
        handler: "{{ item.handler }}"
        proc_path: "{{ gs_proc_path }}"
      loop: "{{ gs_bulk }}"
"""


# A callback that prints how long the first task took, start to last
# result (ansible-core has no task timer of its own: that is ansible.posix).
TIMER = """
import json
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'gs_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.start = None
        self.end = None
        self.changed = 0

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self.start is None:
            self.start = time.monotonic()

    def _result(self, result):
        self.end = time.monotonic()
        if result.is_changed():
            self.changed += 1

    v2_runner_on_ok = _result
    v2_runner_on_failed = _result

    def v2_runner_item_on_ok(self, result):
        self.end = time.monotonic()

    def v2_playbook_on_stats(self, stats):
        print('GS_TIMER ' + json.dumps(dict(
            seconds=self.end - self.start, changed=self.changed)))
"""


def timed_run(workdir, playbook, variables):
    """Run once; return (task seconds, wall seconds, changed)."""
    plugins = os.path.join(workdir, 'callback_plugins')
    if not os.path.isdir(plugins):
        os.mkdir(plugins)
        with open(os.path.join(plugins, 'gs_timer.py'), 'w') as plugin:
            plugin.write(TIMER)
    start = time.monotonic()
    code, output = run_playbook(workdir, playbook, variables, environment=dict(
        ANSIBLE_CALLBACK_PLUGINS=plugins, ANSIBLE_CALLBACKS_ENABLED='gs_timer'))
    wall = time.monotonic() - start
    if code != 0:
        raise SystemExit('%s failed:\n%s' % (playbook, output[-4000:]))
    line = [text for text in output.splitlines()
            if text.startswith('GS_TIMER ')][-1]
    timer = json.loads(line[len('GS_TIMER '):])
    return timer['seconds'], wall, timer['changed']


def clear(registry):
    """Empty the registry directly, one operation per write."""
    fd = os.open(registry.proc_path, os.O_WRONLY)
    try:
        for line in registry.listing().splitlines():
            os.write(fd, b'-%s\n' % line.split()[0].encode())
    finally:
        os.close(fd)


def measure(workdir, registry, playbook, variables, repeat, fresh):
    tasks, walls, changes = [], [], []
    for dummy in range(repeat):
        if fresh:
            clear(registry)
        seconds, wall, changed = timed_run(workdir, playbook, variables)
        tasks.append(seconds)
        walls.append(wall)
        changes.append(changed)
    return statistics.median(tasks), statistics.median(walls), changes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--count', type=int, default=1000)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--skip-loop', action='store_true',
                        help='leave out the COUNT loop items (slow)')
    args = parser.parse_args()
    check_environment()
    # On SIGTERM still unmount and stop the processes (the with blocks).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))

    workdir = tempfile.mkdtemp(prefix='gs-bench-')
    os.chmod(workdir, 0o755)
    playbooks = {}
    for name, text in (('single', SINGLE), ('bulk', BULK), ('loop', LOOP)):
        playbooks[name] = os.path.join(workdir, name + '.yml')
        with open(playbooks[name], 'w') as playbook:
            playbook.write(text)
    handler = write_handler(os.path.join(workdir, 'handlers', 'save-state'))
    rows = []
    try:
        with FuseRegistry(workdir, max_entries=args.count + 10) as registry, \
                Processes() as processes:
            pids = processes.start(args.count)
            variables = dict(
                gs_proc_path=registry.proc_path, gs_handler=handler,
                gs_pid=pids[0],
                gs_bulk=[dict(pid=pid, handler=handler) for pid in pids])
            rows.append(('single registration',) + measure(
                workdir, registry, playbooks['single'], variables,
                args.repeat, fresh=True))
            rows.append(('no-op re-run (single)',) + measure(
                workdir, registry, playbooks['single'], variables,
                args.repeat, fresh=False))
            rows.append(('bulk %d, one task' % args.count,) + measure(
                workdir, registry, playbooks['bulk'], variables,
                args.repeat, fresh=True))
            rows.append(('no-op re-run (bulk %d)' % args.count,) + measure(
                workdir, registry, playbooks['bulk'], variables,
                args.repeat, fresh=False))
            if not args.skip_loop:
                rows.append(('%d loop items' % args.count,) + measure(
                    workdir, registry, playbooks['loop'], variables, 1,
                    fresh=True))
            if len(registry.listing().splitlines()) != args.count:
                raise SystemExit('the registry does not hold %d entries'
                                 % args.count)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print('gs_register through ansible-playbook, localhost, FUSE registry; '
          'median of %d runs (loop: 1 run)' % args.repeat)
    print('%-28s %10s %12s  %s' % ('scenario', 'task s', 'playbook s',
                                   'changed per run'))
    for name, task, wall, changes in rows:
        print('%-28s %10.2f %12.2f  %s' % (name, task, wall, changes))
    single, bulk = rows[0][1], rows[2][1]
    print('ratio bulk-%d/single (task time): %.2fx (target: within 2x)'
          % (args.count, bulk / single))
    print('ratio bulk-%d/single (playbook time): %.2fx'
          % (args.count, rows[2][2] / rows[0][2]))
    if not args.skip_loop:
        print('ratio loop-%d/bulk-%d (task time): %.1fx'
              % (args.count, args.count, rows[4][1] / bulk))


if __name__ == '__main__':
    main()
