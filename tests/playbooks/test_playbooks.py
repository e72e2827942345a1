# -*- coding: utf-8 -*-
"""gs_register and gs_info through ansible-playbook on localhost.

proc_path is a FUSE file that follows the kernel contract (see
tests/support/gs_proc_fuse.py), so the modules run the same code as on the
graceful-shutdown kernel. The playbooks assert the module results; these
tests check that each playbook passed, failed only where it meant to, and
what the registry and its write counter hold afterwards.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'support'))

# pylint: disable=wrong-import-position
from gs_harness import (  # noqa: E402
    FuseRegistry,
    Processes,
    check_environment,
    recap,
    run_playbook,
    write_handler,
)

PLAYBOOKS = os.path.dirname(os.path.abspath(__file__))
GONE_PID = 2 ** 22 + 11
NOBODY = 65534


class Lab(object):
    """One test's world: a mounted registry, processes, handlers, vars."""

    def __init__(self, workdir, registry, processes, count):
        self.workdir = workdir
        self.registry = registry
        self.pids = processes.start(count)
        handlers = os.path.join(workdir, 'handlers')
        self.handler = write_handler(os.path.join(handlers, 'save-state'))
        self.other_handler = write_handler(os.path.join(handlers, 'log-oom'))
        self.pidfile = os.path.join(workdir, 'app.pid')
        with open(self.pidfile, 'w') as pidfile:
            pidfile.write('%d\n' % self.pids[1])
        self.vars = dict(
            gs_proc_path=registry.proc_path,
            gs_runs_path=registry.runs_path,
            gs_writes_path=registry.writes_path,
            gs_pids=self.pids,
            gs_handler=self.handler,
            gs_other_handler=self.other_handler,
            gs_pidfile=self.pidfile,
            gs_bulk=[dict(pid=pid, handler=self.handler)
                     for pid in self.pids],
        )

    def play(self, name, options=(), extra=None):
        variables = dict(self.vars, **(extra or {}))
        return run_playbook(self.workdir, os.path.join(PLAYBOOKS, name),
                            variables, options)

    def expect_pass(self, name, ignored=0, options=(), extra=None):
        code, output = self.play(name, options, extra)
        counts = recap(output)
        assert code == 0 and counts['failed'] == 0, output[-6000:]
        assert counts['ignored'] == ignored, output[-6000:]
        return counts, output


@pytest.fixture
def lab_factory():
    check_environment()
    workdir = tempfile.mkdtemp(prefix='gs-playbooks-')
    os.chmod(workdir, 0o755)
    stack = []

    def make(count=4, max_entries=8192):
        registry = FuseRegistry(workdir, max_entries).__enter__()
        stack.append(registry)
        processes = Processes().__enter__()
        stack.append(processes)
        return Lab(workdir, registry, processes, count)

    yield make
    for entered in reversed(stack):
        entered.__exit__(None, None, None)
    shutil.rmtree(workdir)


def test_single_registration_check_diff_and_idempotence(lab_factory):
    lab = lab_factory()
    lab.expect_pass('gs_single.yml')
    assert lab.registry.listing() == '%d %s\n' % (lab.pids[1], lab.handler)


def test_bulk_and_exclusive(lab_factory):
    lab = lab_factory(count=12)
    lab.expect_pass('gs_bulk.yml')
    assert lab.registry.listing() == ''


def test_second_run_changes_nothing_and_diff_is_shown(lab_factory):
    lab = lab_factory(count=6)
    first, output = lab.expect_pass('gs_converge.yml', options=['--diff'])
    assert first['changed'] == 1
    for pid in lab.pids:
        assert '+%d %s' % (pid, lab.handler) in output
    writes = lab.registry.writes()
    assert writes == len(lab.pids)
    second, output = lab.expect_pass('gs_converge.yml', options=['--diff'])
    assert second['changed'] == 0
    assert lab.registry.writes() == writes


def test_whole_playbook_in_check_mode_writes_nothing(lab_factory):
    lab = lab_factory(count=6)
    counts, output = lab.expect_pass('gs_converge.yml',
                                     options=['--check', '--diff'])
    assert counts['changed'] == 1
    assert '+%d %s' % (lab.pids[0], lab.handler) in output
    assert lab.registry.writes() == 0 and lab.registry.listing() == ''


def bad_cases(lab):
    """Each refused input and the words its message must contain."""
    handlers = os.path.dirname(lab.handler)
    not_executable = write_handler(os.path.join(handlers, 'not-exec'), 0o644)
    not_root = write_handler(os.path.join(handlers, 'not-root'))
    os.chown(not_root, NOBODY, -1)
    group_writable = write_handler(os.path.join(handlers, 'group-w'), 0o775)
    unsafe_dir = os.path.join(lab.workdir, 'open-dir')
    in_unsafe_dir = write_handler(os.path.join(unsafe_dir, 'handler'))
    os.chmod(unsafe_dir, 0o777)
    with_space = write_handler(os.path.join(handlers, 'my handler'))
    stale = os.path.join(lab.workdir, 'stale.pid')
    with open(stale, 'w') as pidfile:
        pidfile.write('%d\n' % GONE_PID)
    garbage = os.path.join(lab.workdir, 'garbage.pid')
    with open(garbage, 'w') as pidfile:
        pidfile.write('not a pid\n')
    pid = lab.pids[1]
    good = lab.handler
    cases = [
        ('relative handler', dict(handler='handlers/save-state'),
         'is not absolute'),
        ('missing handler', dict(handler=os.path.join(handlers, 'none')),
         'does not exist'),
        ('directory handler', dict(handler=handlers), 'not a regular file'),
        ('non-executable handler', dict(handler=not_executable),
         'is not executable (mode 0644)'),
        ('handler not owned by root', dict(handler=not_root),
         'is owned by uid %d, not root' % NOBODY),
        ('group-writable handler', dict(handler=group_writable),
         'is writable by group or others (mode 0775)'),
        ('handler in a world-writable directory',
         dict(handler=in_unsafe_dir),
         'the directory %s is writable by group or others' % unsafe_dir),
        ('whitespace in the path', dict(handler=with_space),
         'contains whitespace or control characters'),
        ('over-long path', dict(handler='/' + 'a' * 1100),
         'the kernel accepts at most 1023'),
        ('process not running', dict(pid=GONE_PID, handler=good),
         'no process with pid %d is running' % GONE_PID),
        ('pid zero', dict(pid=0, handler=good), 'not a valid process id'),
        ('stale pidfile', dict(pidfile=stale, handler=good, pid=None),
         'stale pidfile'),
        ('pidfile without a pid', dict(pidfile=garbage, handler=good,
                                       pid=None), 'does not hold a pid'),
        ('missing pidfile', dict(pidfile=stale + '.none', handler=good,
                                 pid=None), 'does not exist'),
        ('one bad item in a bulk list',
         dict(pid=None, registrations=[
             dict(pid=lab.pids[2], handler=good),
             dict(pid=lab.pids[3], handler=os.path.join(handlers, 'none'))]),
         'registrations[1]: the handler'),
        ('one process, two handlers',
         dict(pid=None, registrations=[
             dict(pid=lab.pids[2], handler=good),
             dict(pid=lab.pids[2], handler=lab.other_handler)]),
         'listed twice with different handlers'),
        ('present without a handler', dict(), 'handler'),
        ('two targets', dict(pidfile=lab.pidfile, handler=good),
         'mutually exclusive'),
        ('exclusive with absent', dict(state='absent', exclusive=True),
         'exclusive=true needs state=present'),
        ('no target', dict(pid=None, handler=good),
         'one of the following is required'),
        ('bulk item without a target',
         dict(pid=None, registrations=[dict(handler=good)]),
         'one of the following is required'),
        ('kernel not running',
         dict(handler=good, proc_path='/nonexistent/graceful_shutdown'),
         'the graceful-shutdown kernel is not running'),
    ]
    result = []
    for case, args, expect in cases:
        args = dict(dict(pid=pid), **args)
        result.append(dict((key, value) for key, value in args.items()
                           if value is not None))
        result[-1].update(case=case, expect=expect)
    return result


def test_bad_input_is_refused_and_changes_nothing(lab_factory):
    lab = lab_factory()
    cases = bad_cases(lab)
    lab.expect_pass('gs_validation.yml', ignored=1,
                    extra=dict(gs_bad_cases=cases))
    assert lab.registry.listing() == '%d %s\n' % (lab.pids[0], lab.handler)
    assert lab.registry.writes() == 1


def test_kernel_errors_are_clear_and_partial_changes_undone(lab_factory):
    lab = lab_factory(count=4, max_entries=3)
    wrapper = os.path.join(lab.workdir, 'python-without-cap-sys-admin')
    with open(wrapper, 'w') as script:
        script.write('#!/bin/sh\nexec setpriv --bounding-set=-sys_admin '
                     '--inh-caps=-sys_admin -- %s "$@"\n' % sys.executable)
    os.chmod(wrapper, 0o755)
    lab.expect_pass('gs_kernel_errors.yml', ignored=2, extra=dict(
        gs_python_without_cap_sys_admin=wrapper))
    assert lab.registry.listing() == '%d %s\n%d %s\n' % (
        lab.pids[0], lab.handler, lab.pids[1], lab.handler)


def test_service_targets(lab_factory):
    lab = lab_factory(count=2)
    fake_bin = os.path.join(lab.workdir, 'fake-bin')
    units = os.path.join(lab.workdir, 'units')
    os.mkdir(fake_bin)
    os.mkdir(units)
    with open(os.path.join(units, 'app.service'), 'w') as unit:
        unit.write('%d\n' % lab.pids[0])
    systemctl = os.path.join(fake_bin, 'systemctl')
    with open(systemctl, 'w') as script:
        script.write('#!/bin/sh\n'
                     '# systemctl show -p MainPID --value -- UNIT\n'
                     '[ "$1 $2 $3 $4 $5" = "show -p MainPID --value --" ] '
                     '|| exit 1\n'
                     'cat "$GS_FAKE_UNITS/$6" 2>/dev/null || echo 0\n')
    os.chmod(systemctl, 0o755)
    lab.expect_pass('gs_service.yml', ignored=1, extra=dict(
        gs_fake_bin=fake_bin, gs_fake_units=units))
    assert lab.registry.listing() == '%d %s\n' % (lab.pids[0], lab.handler)


# Files the module's check passes and the stand-in's kernel refuses, as if
# it saw something else by the time of the write, and the message's words.
KERNEL_REFUSALS = [
    (errno.EACCES, 'EACCES', "it passes gs_register's check: it or a "
                             "directory on its path may have changed"),
    (errno.ENOENT, 'ENOENT', 'the path does not resolve to a file'),
    (errno.EXDEV, 'EXDEV', "the kernel runs handlers in the host's "
                           "namespaces"),
    (errno.EOPNOTSUPP, 'EOPNOTSUPP', 'CONFIG_STATIC_USERMODEHELPER'),
]


def test_kernel_refusals_are_clear_undone_and_unseen_in_check_mode(
        lab_factory):
    lab = lab_factory(count=2)
    cases = []
    for err_no, name, expect in KERNEL_REFUSALS:
        handler = write_handler(os.path.join(lab.workdir, 'handlers',
                                             'refused-' + name))
        lab.registry.refuse(handler, err_no)
        cases.append(dict(errno=name, handler=handler, expect=expect))
    wrapper = os.path.join(lab.workdir, 'python-in-private-mount-namespace')
    with open(wrapper, 'w') as script:
        script.write('#!/bin/sh\nexec unshare --mount -- %s "$@"\n'
                     % sys.executable)
    os.chmod(wrapper, 0o755)
    lab.expect_pass('gs_refusals.yml', ignored=2, extra=dict(
        gs_refused_cases=cases,
        gs_python_in_private_mount_namespace=wrapper))
    assert lab.registry.listing() == '%d %s\n' % (lab.pids[0], lab.handler)


def test_gs_info_counters(lab_factory):
    lab = lab_factory(count=2)
    five = ('graceful_shutdown_run 5\n'
            'graceful_shutdown_exited 2\n'
            'graceful_shutdown_timed_out 1\n'
            'graceful_shutdown_failed 1\n'
            'graceful_shutdown_refused 1\n')
    files = dict(
        gs_vmstat_with_counters=five + 'graceful_shutdown_victim_exited 2\n',
        gs_vmstat_five_counters=five,
        gs_vmstat_without_counters='')
    for name, counters in files.items():
        files[name] = os.path.join(lab.workdir, name)
        with open(files[name], 'w') as vmstat:
            vmstat.write('nr_free_pages 4096\n' + counters + 'oom_kill 3\n')
    lab.expect_pass('gs_counters.yml', extra=files)


# Signals the kernel refuses and what gs_register says of each.
BAD_SIGNALS = [
    dict(signal='KILL', expect="signal 'KILL' is SIGKILL (9), which the "
                               "kernel refuses: it cannot be caught"),
    dict(signal='SIGSTOP', expect="is SIGSTOP (19), which the kernel refuses"),
    dict(signal=9, expect='signal 9 is SIGKILL (9)'),
    dict(signal=0, expect='signal 0 is out of range: the kernel takes 1 to 64'),
    dict(signal=65, expect='signal 65 is out of range'),
    dict(signal='BOGUS', expect="signal 'BOGUS' is not a signal name or "
                                "number; give a signal the program handles"),
]


def test_signals_check_diff_idempotence_and_refusals(lab_factory):
    lab = lab_factory(count=4)
    lab.expect_pass('gs_signal.yml', ignored=1,
                    extra=dict(gs_bad_signals=BAD_SIGNALS))
    assert lab.registry.listing() == '%d %s signal=2\n%d %s signal=12\n' % (
        lab.pids[1], lab.handler, lab.pids[2], lab.other_handler)


def test_a_pid_in_its_run_is_ebusy_and_undone_and_gs_info_lists_runs(
        lab_factory):
    lab = lab_factory(count=2)
    with open(lab.registry.proc_path, 'w') as proc:
        proc.write('%d %s signal=15\n' % (lab.pids[0], lab.handler))
    with open(lab.registry.proc_path, 'w') as proc:
        proc.write('%d %s\n' % (lab.pids[1], lab.handler))
    # As if the OOM killer picked pids[0]; a later kernel's key is ignored.
    lab.registry.begin_run(lab.pids[0], elapsed_ms=120, left_ms=4880,
                           budget_left_kb=3072, later_key='x')
    lab.expect_pass('gs_runs.yml', ignored=1)
    assert lab.registry.listing() == '%d %s\n' % (lab.pids[1], lab.handler)
    assert lab.registry.runs().startswith('%d %s scope=memcg signal=15 '
                                          % (lab.pids[0], lab.handler))
    # After the run the pid's process may register again.
    lab.registry.end_run(lab.pids[0])
    assert lab.registry.runs() == ''
    with open(lab.registry.proc_path, 'w') as proc:
        proc.write('%d %s signal=15\n' % (lab.pids[0], lab.handler))
    assert lab.registry.listing().startswith('%d %s signal=15\n'
                                             % (lab.pids[0], lab.handler))
