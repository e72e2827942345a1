# -*- coding: utf-8 -*-
"""gs-register-pid (gs_runtime's registration helper, used by gs-run and
the service drop-ins) against the FUSE stand-in: it registers, with a
signal as its number, and a refusal by the kernel (EBUSY for a pid in its
run among them) names its errno and what to do."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
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
    write_handler,
)
from gs_templates import write_script  # noqa: E402


def gone_pid():
    """The pid of a process that has exited."""
    child = subprocess.Popen(['true'])
    child.wait()
    return child.pid


@pytest.fixture(scope='module')
def stand_in():
    """(registry, helper, pids, workdir): one mount for every case."""
    check_environment()
    workdir = tempfile.mkdtemp(prefix='gs-helper-')
    os.chmod(workdir, 0o755)
    with FuseRegistry(workdir) as registry, Processes() as processes:
        helper = write_script(workdir, 'gs-register-pid.j2',
                              registry.proc_path)
        yield registry, helper, processes.start(2), workdir
    shutil.rmtree(workdir)


def handler(workdir, name, refusal=None, registry=None):
    path = write_handler(os.path.join(workdir, 'handlers', name))
    if refusal:
        registry.refuse(path, refusal)
    return path


def test_registers_a_checked_handler(stand_in):
    registry, helper, pids, workdir = stand_in
    path = handler(workdir, 'save-state')
    done = subprocess.run([helper, str(pids[0]), path], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '%d %s\n' % (pids[0], path) in registry.listing()


# Each case: how the write is refused (an errno the stand-in is told to
# give the handler, or a writer the kernel refuses) and the words said.
@pytest.mark.parametrize('case, refusal, prefix, words', [
    ('EACCES', errno.EACCES, (), 'is not safe to run as root (EACCES)'),
    ('ENOENT', errno.ENOENT, (),
     'does not resolve to a file (No such file or directory)'),
    ('ELOOP', errno.ELOOP, (),
     'does not resolve to a file (Too many levels of symbolic links)'),
    ('EOPNOTSUPP', errno.EOPNOTSUPP, (), 'CONFIG_STATIC_USERMODEHELPER'),
    ('EXDEV', None, ('unshare', '--mount', '--'),
     "the host's namespaces (EXDEV)"),
    ('EPERM', None, ('setpriv', '--bounding-set=-sys_admin',
                     '--inh-caps=-sys_admin', '--'),
     'needs CAP_SYS_ADMIN (EPERM)'),
    ('ESRCH', None, (), 'does not exist (ESRCH)'),
])
def test_kernel_refusal_is_told(stand_in, case, refusal, prefix, words):
    registry, helper, pids, workdir = stand_in
    path = handler(workdir, 'refused-' + case, refusal, registry)
    pid = gone_pid() if case == 'ESRCH' else pids[1]
    before = registry.listing()
    done = subprocess.run(list(prefix) + [helper, str(pid), path],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith('gs-register-pid: the kernel refused to '
                                  'register pid %d with %s: ' % (pid, path))
    assert words in done.stderr, done.stderr
    assert registry.listing() == before


def test_registers_the_signal_as_its_number(stand_in):
    registry, helper, pids, workdir = stand_in
    path = handler(workdir, 'graceful')
    done = subprocess.run([helper, str(pids[0]), path, 'sigterm'],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '%d %s signal=15\n' % (pids[0], path) in registry.listing()


def test_a_pid_in_its_run_is_ebusy(stand_in):
    registry, helper, pids, workdir = stand_in
    path = handler(workdir, 'busy')
    subprocess.run([helper, str(pids[1]), path, 'TERM'], check=True)
    registry.begin_run(pids[1])
    try:
        before = registry.listing()
        done = subprocess.run([helper, str(pids[1]), path, 'TERM'],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 1
        assert done.stderr.startswith(
            'gs-register-pid: the kernel refused to register pid %d with %s '
            'and signal 15: a run for pid %d is in progress: the OOM killer '
            'picked it and its handler is running now (EBUSY); nothing '
            'changed; try again after the run' % (pids[1], path, pids[1]))
        assert registry.listing() == before
    finally:
        registry.end_run(pids[1])
