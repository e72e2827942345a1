#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Documentation only: the work is done by the action plugin of the same name.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gs_build_wait
short_description: Follow an async job to its end, printing its progress
version_added: 0.1.0
description:
  - Polls an async job (started with C(async) and C(poll) 0) every O(poll) seconds until it has
    finished, and prints one progress line every O(interval) seconds, the output of the O(progress)
    command run on the host. One task, however long the job runs; no retry lines, no include per poll.
  - The kernel_build role follows its build with it.
author:
  - oomgs maintainers (@oomgs)
attributes:
  check_mode:
    support: none
    description: It only reads; the job it follows does not run in check mode.
  diff_mode:
    support: none
    description: Nothing to show.
  platform:
    support: full
    platforms: posix
    description: Any host an async job runs on.
options:
  jid:
    description: The job id (C(ansible_job_id) of the registered async task).
    type: str
    required: true
  progress:
    description: Command (argv) printing one line of progress; none prints nothing.
    type: list
    elements: str
    default: []
  interval:
    description: Seconds between progress lines.
    type: int
    default: 60
  poll:
    description: Seconds between looks at the job (at most O(interval)).
    type: int
    default: 10
  timeout:
    description: Seconds after which the task fails if the job still runs.
    type: int
    default: 14400
  label:
    description: What the progress lines start with.
    type: str
"""

EXAMPLES = r"""
- name: Start a long job
  ansible.builtin.command: /usr/local/bin/long-job
  async: 7200
  poll: 0
  register: job

- name: Follow it
  oomgs.graceful_shutdown.gs_build_wait:
    jid: "{{ job.ansible_job_id }}"
    progress: [cat, /var/tmp/long-job.progress]
    label: long job
  register: job_end
"""

RETURN = r"""
finished:
  description: Whether the job finished.
  returned: always
  type: bool
job_rc:
  description: The job's exit status (the task itself does not fail on it).
  returned: when it finished
  type: int
progress:
  description: The last progress line.
  returned: always
  type: str
elapsed:
  description: Seconds the task waited.
  returned: always
  type: int
"""
