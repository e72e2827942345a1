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
  - Also returns the kernel's graceful-shutdown counters from C(/proc/vmstat),
    which tell how many handlers were run, exited in time, timed out, failed
    to start and were refused since boot.
  - Reading the registry needs root (V(become=true)); it is mode 0600.
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
    name:
      description: The process name (its C(comm)), or null if it just exited.
      type: str
      sample: nginx
    handler_exists:
      description: Whether the handler is still an existing file.
      type: bool
      sample: true
counters:
  description:
    - The kernel's graceful-shutdown counters since boot. Once no handler
      runs, RV(counters.run) equals the sum of the other four.
    - V(null) when the kernel has none of them in C(/proc/vmstat), as with a kernel
      without graceful shutdown, or one built without C(CONFIG_VM_EVENT_COUNTERS).
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
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_target import (
    process_name,
)


def describe(registrations):
    return [dict(pid=pid,
                 handler=registrations[pid],
                 name=process_name(pid),
                 handler_exists=os.path.isfile(registrations[pid]))
            for pid in sorted(registrations)]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            proc_path=dict(type='path', default=DEFAULT_PROC_PATH),
            vmstat_path=dict(type='path', default=DEFAULT_VMSTAT_PATH),
        ),
        supports_check_mode=True,
    )
    try:
        registrations = read_registrations(module.params['proc_path'])
        counters = read_counters(module.params['vmstat_path'])
    except (RegistryError, CountersError) as err:
        module.fail_json(msg=str(err))
    module.exit_json(changed=False, registrations=describe(registrations),
                     counters=counters)


if __name__ == '__main__':
    main()
