# -*- coding: utf-8 -*-
"""Run the collection through ansible-playbook against the FUSE stand-in.

Shared by tests/playbooks and bench/: mounts gs_proc_fuse.py (Debian's
python3 with python3-fusepy), starts real processes to register, writes
root-owned handlers, and runs ansible-playbook on localhost with this
checkout as oomgs.graceful_shutdown.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SUPPORT = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(SUPPORT))
SYSTEM_PYTHON = '/usr/bin/python3'
FUSE_SERVER = os.path.join(SUPPORT, 'gs_proc_fuse.py')


class HarnessError(Exception):
    """The test environment cannot be set up; says what is missing."""


def check_environment():
    """Fail clearly when what the stand-in needs is missing."""
    if os.geteuid() != 0:
        raise HarnessError('the playbook tests need root: the handlers must '
                           'be owned by root and FUSE mounted')
    if not os.path.exists('/dev/fuse'):
        raise HarnessError('/dev/fuse is missing: load the fuse module')
    check = subprocess.run([SYSTEM_PYTHON, '-c', 'import fusepy'],
                           capture_output=True, check=False)
    if check.returncode != 0:
        raise HarnessError('python3-fusepy is not installed: run '
                           'scripts/bootstrap.sh (scripts/apt/modules.txt)')


class FuseRegistry(object):
    """A mounted stand-in: proc_path behaves like /proc/graceful_shutdown."""

    def __init__(self, workdir, max_entries=8192):
        self.mountpoint = tempfile.mkdtemp(prefix='mnt-', dir=workdir)
        self.proc_path = os.path.join(self.mountpoint, 'graceful_shutdown')
        self.writes_path = os.path.join(self.mountpoint, 'writes')
        self.refusals_path = os.path.join(self.mountpoint, 'refusals')
        self.runs_path = os.path.join(self.mountpoint,
                                      'graceful_shutdown_runs')
        self.running_path = os.path.join(self.mountpoint, 'running')
        self.log_path = os.path.join(workdir, 'fuse-%s.log'
                                     % os.path.basename(self.mountpoint))
        self.max_entries = max_entries
        self.server = None

    def __enter__(self):
        with open(self.log_path, 'wb') as log:
            self.server = subprocess.Popen(
                [SYSTEM_PYTHON, FUSE_SERVER, self.mountpoint,
                 '--max-entries', str(self.max_entries)],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not os.path.exists(self.proc_path):
            if self.server.poll() is not None or time.monotonic() > deadline:
                with open(self.log_path) as log:
                    raise HarnessError('the FUSE stand-in did not mount: %s'
                                       % log.read()[-2000:])
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info):
        subprocess.run(['fusermount', '-u', self.mountpoint], check=False)
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        os.rmdir(self.mountpoint)

    def listing(self):
        with open(self.proc_path) as proc_file:
            return proc_file.read()

    def writes(self):
        with open(self.writes_path) as writes_file:
            return int(writes_file.read())

    def refuse(self, path, err_no):
        """From now on registering path gets err_no, whatever the file."""
        with open(self.refusals_path, 'w') as refusals:
            refusals.write('%s %s\n' % (errno.errorcode[err_no], path))

    def begin_run(self, pid, **fields):
        """As if the OOM killer picked pid: its registration becomes a run."""
        with open(self.running_path, 'w') as running:
            running.write(' '.join(['%d' % pid] +
                                   ['%s=%s' % item for item in
                                    sorted(fields.items())]) + '\n')

    def end_run(self, pid):
        with open(self.running_path, 'w') as running:
            running.write('-%d\n' % pid)

    def runs(self):
        with open(self.runs_path) as runs_file:
            return runs_file.read()


class Processes(object):
    """Real long-sleeping processes to register; killed on exit."""

    def __init__(self):
        self.children = []

    def start(self, count=1):
        pids = []
        while len(pids) < count:
            child = subprocess.Popen(['sleep', '3600'])
            self.children.append(child)
            pids.append(child.pid)
        return pids

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for child in self.children:
            child.kill()
        for child in self.children:
            child.wait()


def write_handler(path, mode=0o755):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    with open(path, 'w') as handler:
        handler.write('#!/bin/sh\nlogger -t oomgs "pid $1 hit OOM"\n')
    os.chmod(path, mode)
    return path


def collection_root(workdir):
    """A collections path whose oomgs.graceful_shutdown is this checkout."""
    root = os.path.join(workdir, 'collections')
    namespace = os.path.join(root, 'ansible_collections', 'oomgs')
    if not os.path.isdir(namespace):
        os.makedirs(namespace)
        os.symlink(TOP, os.path.join(namespace, 'graceful_shutdown'))
    return root


def run_playbook(workdir, playbook, extra_vars, options=(), environment=None):
    """ansible-playbook on localhost; returns (returncode, output)."""
    inventory = os.path.join(workdir, 'inventory.ini')
    with open(inventory, 'w') as inventory_file:
        inventory_file.write('[gs_test]\nlocalhost ansible_connection=local '
                             'ansible_python_interpreter=%s\n'
                             % sys.executable)
    variables = os.path.join(workdir, 'vars.json')
    with open(variables, 'w') as variables_file:
        json.dump(extra_vars, variables_file)
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collection_root(workdir),
        ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_RETRY_FILES_ENABLED='0',
        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'ansible-local'),
        ANSIBLE_REMOTE_TEMP=os.path.join(workdir, 'ansible-remote'),
    )
    env.update(environment or {})
    playbook_cmd = shutil.which('ansible-playbook',
                                path=os.path.dirname(sys.executable))
    command = [playbook_cmd or 'ansible-playbook', '-i', inventory,
               '-e', '@' + variables] + list(options) + [playbook]
    done = subprocess.run(command, env=env, cwd=workdir, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    return done.returncode, done.stdout


def recap(output):
    """The PLAY RECAP counters for localhost, as a dict of ints."""
    for line in output.splitlines():
        if line.startswith('localhost') and 'ok=' in line:
            return dict((key, int(value)) for key, value in
                        (field.split('=') for field in line.split()[2:]))
    raise AssertionError('no PLAY RECAP in the output:\n' + output[-3000:])
