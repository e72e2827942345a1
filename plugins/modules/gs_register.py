#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gs_register
short_description: Manage graceful-shutdown handler registrations
version_added: 0.1.0
description:
  - Registers, replaces or unregisters, through C(/proc/graceful_shutdown),
    the program that the graceful-shutdown kernel runs for a process when the
    OOM killer picks it, and optionally the signal the kernel sends the
    process then, so that it can save its state and exit by itself.
  - With O(signal), at a memory cgroup OOM the kernel does not kill the
    chosen process. It sends it the signal, starts the handler, and gives
    it a grace period (up to C(vm.graceful_shutdown_timeout_ms), with
    C(vm.graceful_shutdown_budget_kb) of memory beyond its cgroup's limit)
    in which it can save its state and exit. Only if it is still there at
    the deadline does the next OOM decide again, and usually kills it.
    Without O(signal) the handler runs and then the process is killed.
  - Targets a process by O(pid), by O(pidfile) or by the main process of a
    running systemd O(service). O(registrations) manages many processes in
    one task, and O(exclusive) removes every registration not listed.
  - Everything is checked before anything is written. The handler must be an
    absolute path to a regular, executable file owned by root that neither
    group nor others can write, reached through directories only root can
    change, because the kernel runs it as root.
  - Each change is one write to the proc file. If the kernel refuses one, the
    changes already made by the task are undone and the task fails with a
    message naming the errno and what to fix.
  - While the OOM killer runs a process's registration (its run is in
    progress, see RV(oomgs.graceful_shutdown.gs_info#module:runs)), the
    registration is used up and not listed, and the kernel refuses every
    change for that process (C(EBUSY)). The task says so, undoes its earlier
    changes and fails; run it again after the run.
  - The kernel checks the handler again, by the same rule, when it registers
    it, and refuses a file that is unsafe (C(EACCES)) or a path that does not
    resolve (C(ENOENT), C(ENOTDIR), C(ELOOP)). A file that passed this
    module's check and was then refused is checked again, to say what fails now.
  - Needs root with CAP_SYS_ADMIN (V(become=true)) to change registrations.
author:
  - oomgs maintainers (@oomgs)
extends_documentation_fragment: []
attributes:
  check_mode:
    support: full
    description: Computes the changes and the resulting registrations without writing.
  diff_mode:
    support: full
    description:
      - Shows the registry listing before and after, one C(<pid> <path>) or
        C(<pid> <path> signal=<N>) line per registration, as the kernel lists them.
  platform:
    support: full
    platforms: posix
    description: Linux hosts running a kernel built with C(CONFIG_OOM_GRACEFUL_SHUTDOWN).
options:
  pid:
    description:
      - Id of the process to manage. Must be a running process, not a thread.
      - Mutually exclusive with O(pidfile), O(service) and O(registrations).
    type: int
  pidfile:
    description:
      - File holding the id of the process to manage.
    type: path
  service:
    description:
      - Systemd unit whose C(MainPID) is the process to manage.
      - With O(state=present) the unit must be running.
    type: str
  handler:
    description:
      - Absolute path of the executable to run for the process.
      - The kernel runs it as root with the victim's pid as its only argument.
      - Required with O(state=present) unless O(registrations) is used.
    type: path
  signal:
    description:
      - The signal the kernel sends the process when the OOM killer picks it,
        as its grace period begins, so that it saves its state and exits by
        itself instead of being killed. Without it the kernel sends none, runs
        the handler and then kills the process.
      - A name in any case, with or without C(SIG) (V(TERM), V(SIGTERM),
        V(term)), or a number from 1 to 64 (V(15)). The kernel refuses
        C(SIGKILL) and C(SIGSTOP); so does the module, before any write.
      - The registration is compared by handler and signal, so adding,
        changing or dropping the signal replaces it.
      - Only without O(registrations).
    type: raw
  registrations:
    description:
      - Many registrations in one task, each with one of O(registrations[].pid),
        O(registrations[].pidfile) or O(registrations[].service), and
        O(registrations[].handler) when O(state=present), optionally
        O(registrations[].signal).
      - O(state) applies to every item.
    type: list
    elements: dict
    suboptions:
      pid:
        description: Id of the process.
        type: int
      pidfile:
        description: File holding the id of the process.
        type: path
      service:
        description: Systemd unit whose C(MainPID) is the process.
        type: str
      handler:
        description: Absolute path of the executable to run for the process.
        type: path
      signal:
        description: The signal sent to the process at the OOM, as O(signal).
        type: raw
  state:
    description:
      - V(present) registers the handler, or replaces another handler.
      - V(absent) unregisters the process. A process that is not registered,
        or not running, is left alone.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - Also unregister every process that this task does not name, so that
        the registry holds exactly the listed registrations.
      - Only with O(state=present). With O(registrations=[]) it unregisters
        everything.
    type: bool
    default: false
  proc_path:
    description:
      - The registry file. Change it only for tests, to point at a stand-in
        that follows the same contract.
    type: path
    default: /proc/graceful_shutdown
notes:
  - A registration belongs to the process, not to the number. It disappears
    when the process exits, so run this task again after restarting the program,
    or use the systemd drop-in of the gs_runtime role.
  - Run the module on the host itself. The kernel runs handlers in the host's
    namespaces, so it refuses registrations written from another mount
    namespace or root, such as a container or a chroot (C(EXDEV)).
  - A kernel built with C(CONFIG_STATIC_USERMODEHELPER) refuses every handler
    (C(EOPNOTSUPP)).
  - Check mode and C(--diff) show the writes the task would make; they do not
    ask the kernel, so a refusal only the kernel gives (C(EBUSY), C(ENOSPC),
    a file changed since the check) shows in the real run.
  - A program registered with O(signal) must handle that signal by saving its
    state and exiting; the memory it may use beyond its cgroup's limit while
    doing so is C(vm.graceful_shutdown_budget_kb) (default 4096). The grace
    period is for a memory cgroup OOM. In a whole-machine OOM the process is
    killed at once, unless C(vm.graceful_shutdown_global_wait_ms) (default 0)
    gives it the signal and at most that long, without the budget; its
    handler still runs, as a notification, once memory allows.
seealso:
  - module: oomgs.graceful_shutdown.gs_info
"""

EXAMPLES = r"""
- name: At an OOM, send the worker SIGTERM so it saves its state and exits by itself
  oomgs.graceful_shutdown.gs_register:
    service: worker.service
    handler: /usr/local/lib/oomgs/handlers/save-state
    signal: TERM
  become: true

- name: Run save-state before the OOM killer kills the web server (no signal)
  oomgs.graceful_shutdown.gs_register:
    service: nginx.service
    handler: /usr/local/lib/oomgs/handlers/save-state
  become: true

- name: Register a process by its pidfile
  oomgs.graceful_shutdown.gs_register:
    pidfile: /run/worker.pid
    handler: /usr/local/lib/oomgs/handlers/log-oom

- name: Unregister a process
  oomgs.graceful_shutdown.gs_register:
    pid: 4242
    state: absent

- name: Make these the only registrations on the host, in one write per change
  oomgs.graceful_shutdown.gs_register:
    registrations:
      - service: postgresql.service
        handler: /usr/local/lib/oomgs/handlers/checkpoint
        signal: SIGINT
      - pidfile: /run/batch.pid
        handler: /usr/local/lib/oomgs/handlers/log-oom
    exclusive: true

- name: Remove every registration
  oomgs.graceful_shutdown.gs_register:
    registrations: []
    exclusive: true
"""

RETURN = r"""
registrations:
  description:
    - The registrations after the task, read back from the registry (in check
      mode, the registrations the task would leave).
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
operations:
  description: The writes made (or, in check mode, that would be made), in order.
  returned: success
  type: list
  elements: str
  sample: ["-4100", "4242 /usr/local/lib/oomgs/handlers/save-state signal=15"]
pid:
  description: Process id resolved from O(pid), O(pidfile) or O(service).
  returned: success, without O(registrations), when the process is running
  type: int
  sample: 4242
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_handler import (
    handler_problem,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_plan import (
    plan,
    undo,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_registry import (
    DEFAULT_PROC_PATH,
    FILE_ERRNOS,
    Registration,
    RegistryError,
    WriteFailed,
    apply_operations,
    format_listing,
    read_registrations,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_signal import (
    signal_number,
)
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_target import (
    NotRunning,
    TargetError,
    check_pid,
    pid_from_pidfile,
    pid_from_service,
)

TARGET_KEYS = ('pid', 'pidfile', 'service')


def wanted_items(params):
    """The registrations asked for, as (label, item) pairs."""
    if params['registrations'] is None:
        item = dict((key, params[key])
                    for key in TARGET_KEYS + ('handler', 'signal'))
        return [('', item)]
    return [('registrations[%d]: ' % index, item)
            for index, item in enumerate(params['registrations'])]


def resolve_pid(module, item):
    if item['pid'] is not None:
        return check_pid(item['pid'], 'pid %d' % item['pid'])
    if item['pidfile'] is not None:
        return pid_from_pidfile(item['pidfile'])
    systemctl = module.get_bin_path('systemctl')
    return pid_from_service(item['service'], systemctl, module.run_command)


def validate(module, items, state):
    """Return (present, absent, problems, pids) for the wanted items."""
    present = {}
    absent = set()
    problems = []
    pids = []
    checked = {}
    for label, item in items:
        try:
            signal = signal_number(item['signal'])
        except ValueError as err:
            problems.append(label + str(err))
            signal = None
        if state == 'present' and not item['handler']:
            problems.append('%sa handler is required with state=present'
                            % label)
        elif state == 'present':
            # Bulk lists often share one handler: check each path once.
            if item['handler'] not in checked:
                checked[item['handler']] = handler_problem(item['handler'])
            problem = checked[item['handler']]
            if problem:
                problems.append(label + problem)
        try:
            pid = resolve_pid(module, item)
        except NotRunning as err:
            if state == 'present':
                problems.append(label + str(err))
            continue
        except TargetError as err:
            problems.append(label + str(err))
            continue
        pids.append(pid)
        if state == 'absent':
            absent.add(pid)
            continue
        wanted = Registration(item['handler'], signal)
        if pid in present and present[pid] != wanted:
            problems.append('%sprocess %d is listed twice with different '
                            'handlers or signals (%s and %s); give each '
                            'process one registration'
                            % (label, pid, present[pid].text(),
                               wanted.text()))
            continue
        present[pid] = wanted
    return present, absent, problems, pids


def as_list(registrations):
    return [dict(pid=pid, handler=registrations[pid].handler,
                 signal=registrations[pid].signal)
            for pid in sorted(registrations)]


def checked_again(refusal):
    """What our own check says now of a file the kernel refused.

    It passed that check before the write: what fails now, if anything, is
    what to fix.
    """
    operation = refusal.operation
    if operation is None or operation.handler is None or \
            refusal.errno not in FILE_ERRNOS:
        return ''
    problem = handler_problem(operation.handler)
    if problem:
        return '; checked again after the refusal: %s' % problem
    return ('; checked again after the refusal, it passes gs_register\'s '
            'check: it or a directory on its path may have changed while '
            'the task ran, so run the task again')


def write(module, proc_path, before, operations):
    """Apply operations; on a refusal undo what went through and fail."""
    try:
        apply_operations(operations, proc_path)
    except WriteFailed as err:
        applied = operations[:err.index]
        message = str(err) + checked_again(err)
        if applied:
            try:
                apply_operations(undo(before, applied), proc_path)
                message += ('; the %d change(s) made before it were undone'
                            % len(applied))
            except RegistryError as undo_err:
                message += ('; undoing the %d change(s) made before it '
                            'failed too: %s' % (len(applied), undo_err))
        fail_with_state(module, proc_path, message)
    except RegistryError as err:
        fail_with_state(module, proc_path, str(err))


def fail_with_state(module, proc_path, message):
    """Fail, reporting the registrations as they really are now."""
    try:
        now = as_list(read_registrations(proc_path))
    except RegistryError:
        now = None
    module.fail_json(msg=message, registrations=now)


def check_outcome(module, after, present, absent, result):
    """Fail unless the registry read back holds what the task asked for."""
    wrong = sorted(pid for pid in present if after.get(pid) != present[pid])
    wrong += sorted(pid for pid in absent if pid in after)
    if wrong:
        module.fail_json(
            msg='the registry read back does not hold what was written for '
                'pids %s: the process exited, or another writer raced this '
                'task' % wrong,
            registrations=as_list(after), **result)


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            pid=dict(type='int'),
            pidfile=dict(type='path'),
            service=dict(type='str'),
            handler=dict(type='path'),
            signal=dict(type='raw'),
            registrations=dict(
                type='list',
                elements='dict',
                options=dict(
                    pid=dict(type='int'),
                    pidfile=dict(type='path'),
                    service=dict(type='str'),
                    handler=dict(type='path'),
                    signal=dict(type='raw'),
                ),
                mutually_exclusive=[TARGET_KEYS],
                required_one_of=[TARGET_KEYS],
            ),
            state=dict(type='str', default='present',
                       choices=['present', 'absent']),
            exclusive=dict(type='bool', default=False),
            proc_path=dict(type='path', default=DEFAULT_PROC_PATH),
        ),
        mutually_exclusive=[
            ('pid', 'pidfile', 'service', 'registrations'),
            ('handler', 'registrations'),
            ('signal', 'registrations'),
        ],
        required_one_of=[('pid', 'pidfile', 'service', 'registrations')],
        supports_check_mode=True,
    )
    params = module.params
    proc_path = params['proc_path']
    state = params['state']
    if params['exclusive'] and state != 'present':
        module.fail_json(msg='exclusive=true needs state=present: it keeps '
                             'only the registrations the task lists')

    try:
        before = read_registrations(proc_path)
    except RegistryError as err:
        module.fail_json(msg=str(err))

    items = wanted_items(params)
    present, absent, problems, pids = validate(module, items, state)
    if problems:
        module.fail_json(msg='nothing was changed: ' + '; '.join(problems),
                         problems=problems, registrations=as_list(before))

    operations, expected = plan(before, present, absent, params['exclusive'])
    result = dict(
        changed=bool(operations),
        operations=[operation.text().rstrip('\n') for operation in operations],
    )
    if params['registrations'] is None and pids:
        result['pid'] = pids[0]

    after = expected
    if operations and not module.check_mode:
        write(module, proc_path, before, operations)
        try:
            after = read_registrations(proc_path)
        except RegistryError as err:
            module.fail_json(msg='the changes were written but reading '
                                 'them back failed: %s' % err, **result)
        check_outcome(module, after, present, absent, result)
    result['registrations'] = as_list(after)
    if module._diff:
        result['diff'] = dict(before=format_listing(before),
                              after=format_listing(after),
                              before_header=proc_path,
                              after_header=proc_path)
    module.exit_json(**result)


def main():
    run_module()


if __name__ == '__main__':
    main()
