#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gs_info
short_description: List graceful-shutdown handler registrations
version_added: 0.1.0
description:
  - Reads C(/proc/graceful_shutdown) and returns each registration with the
    process name and whether its handler file still exists.
  - Also returns the runs in progress from C(/proc/graceful_shutdown_runs),
    the registered processes the OOM killer picked whose grace or handler is
    not over yet. Their registrations are used up, so they are not among the
    registrations.
  - Also returns the kernel's graceful-shutdown counters from C(/proc/vmstat),
    which tell how many handlers were run, exited in time, timed out, failed
    to start and were refused since boot, and how many victims exited by
    themselves during their grace.
  - Reading the registry and the runs needs root (V(become=true)); they are
    mode 0600 and 0400.
author:
  - oomgs maintainers (@oomgs)
extends_documentation_fragment:
  - oomgs.graceful_shutdown.attributes.info_module
attributes:
  platform:
    support: full
    platforms: posix
    description: Linux hosts running a kernel built with C(CONFIG_OOM_GRACEFUL_SHUTDOWN).
options:
  proc_path:
    description:
      - The registry file. Change it only for tests, to point at a stand-in
        that follows the same contract.
    type: path
    default: /proc/graceful_shutdown
  runs_path:
    description:
      - The file the runs in progress are read from. Change it only for tests,
        to point at a stand-in in the C(/proc/graceful_shutdown_runs) format.
    type: path
    default: /proc/graceful_shutdown_runs
  vmstat_path:
    description:
      - The file the counters are read from. Change it only for tests, to
        point at a stand-in in the C(/proc/vmstat) format.
    type: path
    default: /proc/vmstat
seealso:
  - module: oomgs.graceful_shutdown.gs_register
"""

EXAMPLES = r"""
- name: Read the registrations
  oomgs.graceful_shutdown.gs_info:
  become: true
  register: gs

- name: Warn about handlers that were removed after registering
  ansible.builtin.debug:
    msg: "{{ item.name }} ({{ item.pid }}) has no handler at {{ item.handler }}"
  loop: "{{ gs.registrations | rejectattr('handler_exists') }}"

- name: Warn when handlers ran out of time or were refused since boot
  ansible.builtin.debug:
    msg: "{{ gs.counters.timed_out }} timed out, {{ gs.counters.refused }} refused"
  when: gs.counters is not none and (gs.counters.timed_out > 0 or gs.counters.refused > 0)

- name: Show the processes in their grace right now
  ansible.builtin.debug:
    msg: "pid {{ item.pid }}: {{ item.scope }} OOM, handler {{ item.handler_state }}, {{ item.left_ms }} ms left"
  loop: "{{ gs.runs | default([], true) | selectattr('grace', 'eq', 'on') }}"
"""

RETURN = r"""
registrations:
  description: Live registrations, in ascending pid order.
  returned: success
  type: list
  elements: dict
  contains:
    pid:
      description: Process id.
      type: int
      sample: 4242
    handler:
      description: Program the kernel runs before killing the process.
      type: str
      sample: /usr/local/lib/oomgs/handlers/save-state
    signal:
      description: Number of the signal the kernel sends the process at the OOM; V(null) for none.
      type: int
      sample: 15
    name:
      description: The process name (its C(comm)), or null if it just exited.
      type: str
      sample: nginx
    handler_exists:
      description: Whether the handler is still an existing file.
      type: bool
      sample: true
runs:
  description:
    - Runs in progress, in ascending pid order, from C(/proc/graceful_shutdown_runs).
      A run begins when the OOM killer picks a registered process and lasts
      until both its grace and its handler are over.
    - V(null) on a kernel without the runs file (before the signal and grace
      period of the kernel interface v2).
    - Fields a kernel does not report are V(null); keys this module does not know are ignored.
  returned: success
  type: list
  elements: dict
  contains:
    pid:
      description: The victim's process id.
      type: int
      sample: 4242
    handler:
      description: The handler path of its registration.
      type: str
      sample: /usr/local/lib/oomgs/handlers/save-state
    scope:
      description: V(memcg) for a memory cgroup OOM, V(global) for a whole-machine one.
      type: str
      sample: memcg
    signal:
      description: Number of the signal sent to the victim; V(null) when its registration asked none.
      type: int
      sample: 15
    grace:
      description: V(on) while the victim may still save its state and exit by itself, then V(over).
      type: str
      sample: "on"
    handler_state:
      description: >-
        The handler's state: V(starting), V(running), V(exited), V(timed_out),
        V(failed) or V(refused).
      type: str
      sample: running
    elapsed_ms:
      description: Milliseconds since the OOM killer picked the victim.
      type: int
      sample: 120
    left_ms:
      description: Milliseconds left until the deadline (C(vm.graceful_shutdown_timeout_ms) after the OOM).
      type: int
      sample: 4880
    budget_left_kb:
      description: >-
        Memory the victim may still charge beyond its cgroup's limit during its
        grace (of C(vm.graceful_shutdown_budget_kb)), in KiB.
      type: int
      sample: 3072
counters:
  description:
    - The kernel's graceful-shutdown counters since boot. Once no handler
      runs, RV(counters.run) equals the sum of RV(counters.exited),
      RV(counters.timed_out), RV(counters.failed) and RV(counters.refused).
    - V(null) when the kernel has none of them in C(/proc/vmstat), as with a kernel
      without graceful shutdown, or one built without C(CONFIG_VM_EVENT_COUNTERS).
    - A counter the kernel does not report is V(null), as RV(counters.victim_exited)
      on a kernel before the signal and grace period.
  returned: success
  type: dict
  contains:
    run:
      description: Registered processes the OOM killer picked, whose handler run began.
      type: int
      sample: 5
    exited:
      description: Handlers that exited before their deadline.
      type: int
      sample: 3
    timed_out:
      description: Handlers still running at their deadline.
      type: int
      sample: 1
    failed:
      description:
        - Handlers that could not be started (usermode helpers disabled, no
          memory, too many runs at once, the exec failed).
      type: int
      sample: 0
    refused:
      description: Handlers not run because the file failed the safety check just before the exec.
      type: int
      sample: 1
    victim_exited:
      description:
        - Victims that exited by themselves during their grace, so were not
          killed; V(null) on a kernel without this counter.
      type: int
      sample: 2
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_counters import (
    DEFAULT_VMSTAT_PATH,
    CountersError,
    read_counters,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_registry import (
    DEFAULT_PROC_PATH,
    RegistryError,
    read_registrations,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_runs import (
    DEFAULT_RUNS_PATH,
    RunsError,
    read_runs,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_target import (
    process_name,
)


def describe(registrations):
    return [dict(pid=pid,
                 handler=registrations[pid].handler,
                 signal=registrations[pid].signal,
                 name=process_name(pid),
                 handler_exists=os.path.isfile(registrations[pid].handler))
            for pid in sorted(registrations)]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            proc_path=dict(type='path', default=DEFAULT_PROC_PATH),
            runs_path=dict(type='path', default=DEFAULT_RUNS_PATH),
            vmstat_path=dict(type='path', default=DEFAULT_VMSTAT_PATH),
        ),
        supports_check_mode=True,
    )
    try:
        registrations = read_registrations(module.params['proc_path'])
        runs = read_runs(module.params['runs_path'])
        counters = read_counters(module.params['vmstat_path'])
    except (RegistryError, RunsError, CountersError) as err:
        module.fail_json(msg=str(err))
    module.exit_json(changed=False, registrations=describe(registrations),
                     runs=runs, counters=counters)


if __name__ == '__main__':
    main()
