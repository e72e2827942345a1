#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gs_kernel_builds
short_description: List the graceful-shutdown kernel builds on a host and which to prune
version_added: 0.1.0
description:
  - Reads the build records the kernel_install role keeps for every build it
    installed (O(state_dir)C(/builds/<key>.json)) and the builds that failed
    their trial boot there (O(state_dir)C(/failed-trials/<key>)).
  - Splits them by the keep policy into the builds to keep and those to
    remove. Kept are every build whose release is in O(protect) (the role
    passes the running kernel, GRUB's saved default and the rollback
    target), then the newest builds that did not fail their trial on the
    host, up to O(keep) builds. The rest are to be removed, builds that
    failed their trial first in line.
  - Removes nothing itself. Kernels it has no record of (the distribution's,
    builds installed before records were kept) are never listed.
author:
  - oomgs maintainers (@oomgs)
extends_documentation_fragment:
  - oomgs.graceful_shutdown.attributes.info_module
attributes:
  platform:
    support: full
    platforms: posix
    description: Hosts the kernel_install role manages.
options:
  state_dir:
    description: The kernel_install role's state directory.
    type: path
    default: /var/lib/oomgs
  keep:
    description: How many builds stay installed at least (protected ones count); at least 1.
    type: int
    default: 2
  protect:
    description: Kernel releases never to remove, whatever O(keep) says.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Decide which old builds to remove
  oomgs.graceful_shutdown.gs_kernel_builds:
    keep: 2
    protect:
      - "{{ ansible_kernel }}"
  register: builds

- name: Remove them
  ansible.builtin.apt:
    name: "{{ builds.prune | map(attribute='package') | list }}"
    state: absent
    purge: true
  when: builds.prune | length > 0
"""

RETURN = r"""
builds:
  description: Every recorded build, newest first.
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: The build key.
      type: str
    release:
      description: The kernel release (C(uname -r)).
      type: str
    package:
      description: The name of its image package.
      type: str
    installed:
      description: When the role first installed it (ISO 8601, UTC).
      type: str
keep:
  description: The builds to keep, newest first, with the same fields.
  returned: success
  type: list
  elements: dict
prune:
  description: The builds to remove, newest first, with the same fields.
  returned: success
  type: list
  elements: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_builds import (
    BuildsError,
    read_records,
    select_prune,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state_dir=dict(type='path', default='/var/lib/oomgs'),
            keep=dict(type='int', default=2),
            protect=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    state_dir = module.params['state_dir']
    if module.params['keep'] < 1:
        module.fail_json(msg='keep must be at least 1: the running build always stays')
    try:
        records = read_records(os.path.join(state_dir, 'builds'))
    except BuildsError as err:
        module.fail_json(msg=str(err))
    failed_dir = os.path.join(state_dir, 'failed-trials')
    failed = set(os.listdir(failed_dir)) if os.path.isdir(failed_dir) else set()
    kept, pruned = select_prune(records, module.params['keep'], module.params['protect'], failed)
    module.exit_json(changed=False, builds=sorted(kept + pruned, key=lambda r: (r['installed'], r['key']), reverse=True),
                     keep=kept, prune=pruned)


if __name__ == '__main__':
    main()
