# -*- coding: utf-8 -*-
"""gs-register-pid, rendered and run by sh: the whole handler rule before
the write, with gs_register's words, and the kernel's refusal told."""

from __future__ import annotations

import os
import subprocess

import pytest

from gs_templates import write_script

NOBODY = 65534
PID = 4242


@pytest.fixture
def tree(tmp_path):
    """tmp_path/dir/handler, safe to run as root (tests run as root)."""
    directory = tmp_path / 'dir'
    directory.mkdir(mode=0o755)
    handler = directory / 'handler'
    handler.write_text('#!/bin/sh\nexit 0\n')
    handler.chmod(0o755)
    return tmp_path


@pytest.fixture
def register(tmp_path):
    """Run gs-register-pid PID HANDLER against a plain file as the proc file."""
    scripts = tmp_path / 'scripts'
    scripts.mkdir()
    proc = tmp_path / 'graceful_shutdown'
    proc.write_text('')

    def run(handler, pid=PID, proc_path=str(proc)):
        script = write_script(str(scripts), 'gs-register-pid.j2', proc_path)
        return subprocess.run([script, str(pid), str(handler)],
                              capture_output=True, text=True, check=False)
    run.proc = proc
    return run


def test_safe_handler_is_written_in_one_line(register, tree):
    handler = tree / 'dir' / 'handler'
    done = register(handler)
    assert done.returncode == 0, done.stderr
    assert register.proc.read_text() == '%d %s\n' % (PID, handler)


def test_sticky_directory_and_root_owned_symlinks_are_safe(register, tree):
    os.chmod(str(tree / 'dir'), 0o1777)
    link = tree / 'link'
    link.symlink_to(tree / 'dir' / 'handler')
    (tree / 'linked-dir').symlink_to('dir')
    assert register(link).returncode == 0
    assert register(tree / 'linked-dir' / 'handler').returncode == 0


def chmod(path, mode):
    return lambda tree: os.chmod(str(tree / path), mode)


def chown(path):
    return lambda tree: os.lchown(str(tree / path), NOBODY, -1)


def symlink(name, target):
    return lambda tree: (tree / name).symlink_to(target)


@pytest.mark.parametrize('setup, handler, words', [
    (None, 'handlers/save-state', 'is not an absolute path'),
    (None, '/opt/my handler', 'contains whitespace or control characters'),
    (None, '/' + 'a' * 1023, 'the kernel accepts at most 1023'),
    (None, '{tree}/dir/none', 'does not exist'),
    (None, '{tree}/dir', 'is not a regular file'),
    (chmod('dir/handler', 0o644), '{tree}/dir/handler',
     'is not executable (mode 0644); chmod 0755 it'),
    (chown('dir/handler'), '{tree}/dir/handler',
     'is owned by uid %d, not root; the kernel runs it as root' % NOBODY),
    (chmod('dir/handler', 0o757), '{tree}/dir/handler',
     'is writable by group or others (mode 0757)'),
    (chmod('dir', 0o777), '{tree}/dir/handler',
     'the directory {tree}/dir is writable by group or others (mode 0777)'),
    (chown('dir'), '{tree}/dir/handler',
     'the directory {tree}/dir is owned by uid %d, not root' % NOBODY),
    (chmod('.', 0o770), '{tree}/dir/handler',
     'the directory {tree} is writable by group or others (mode 0770)'),
    (lambda tree: (symlink('link', 'dir/handler')(tree),
                   chown('link')(tree)), '{tree}/link',
     'the symlink {tree}/link is owned by uid %d' % NOBODY),
    (lambda tree: (symlink('xdir', 'dir')(tree), chown('xdir')(tree)),
     '{tree}/xdir/handler',
     'the symlink {tree}/xdir is owned by uid %d' % NOBODY),
    # The link is safe; the directory of the file it leads to is not.
    (lambda tree: (symlink('link', 'dir/handler')(tree),
                   chmod('dir', 0o777)(tree)), '{tree}/link',
     'the directory {tree}/dir is writable by group or others'),
], ids=['relative', 'whitespace', 'too long', 'missing', 'directory',
        'not executable', 'not root', 'others write', 'directory writable',
        'directory not root', 'parent writable', 'symlink not root',
        'directory symlink not root', 'symlink into unsafe directory'])
def test_unsafe_handler_is_refused_before_the_write(register, tree, setup,
                                                    handler, words):
    if setup:
        setup(tree)
    done = register(handler.format(tree=tree))
    assert done.returncode == 1
    assert done.stderr.startswith('gs-register-pid: ')
    assert words.format(tree=tree) in done.stderr
    assert register.proc.read_text() == ''


def test_pid_must_be_a_number(register, tree):
    done = register(tree / 'dir' / 'handler', pid='12a')
    assert done.returncode == 1 and "pid '12a' is not a number" in done.stderr


def test_kernel_not_running(register, tree):
    done = register(tree / 'dir' / 'handler', proc_path=str(tree / 'none'))
    assert 'the graceful-shutdown kernel is not running' in done.stderr


def test_refused_write_is_told_by_its_errno(register, tree):
    # /dev/full refuses every write with ENOSPC, as a full registry does.
    done = register(tree / 'dir' / 'handler', proc_path='/dev/full')
    assert done.returncode == 1
    assert 'the kernel refused to register pid %d' % PID in done.stderr
    assert 'the registry is full (ENOSPC)' in done.stderr


def register_with_signal(register, tree, signal):
    script = write_script(str(register.proc.parent / 'scripts'),
                          'gs-register-pid.j2', str(register.proc))
    return subprocess.run([script, str(PID), str(tree / 'dir' / 'handler'),
                           str(signal)],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize('signal, number', [
    ('TERM', 15), ('SIGTERM', 15), ('term', 15), ('sigterm', 15), (15, 15),
    ('015', 15), ('USR1', 10), ('int', 2), (1, 1), (64, 64),
])
def test_signal_is_written_as_its_number(register, tree, signal, number):
    done = register_with_signal(register, tree, signal)
    assert done.returncode == 0, done.stderr
    assert register.proc.read_text() == '%d %s signal=%d\n' % (
        PID, tree / 'dir' / 'handler', number)


@pytest.mark.parametrize('signal, words', [
    ('KILL', "signal 'KILL' is SIGKILL (9), which the kernel refuses: it "
             "cannot be caught"),
    ('sigstop', "signal 'sigstop' is SIGSTOP (19), which the kernel refuses"),
    ('9', "signal '9' is SIGKILL (9)"),
    ('19', "signal '19' is SIGSTOP (19)"),
    ('0', "signal '0' is out of range: the kernel takes 1 to 64"),
    ('65', "signal '65' is out of range"),
    ('99999999999999999999', 'is out of range'),
    ('BOGUS', "signal 'BOGUS' is not a signal name or number"),
    ('', "signal '' is not a signal name or number"),
    ('-15', "signal '-15' is not a signal name or number"),
    ('TERM; reboot', 'is not a signal name or number'),
])
def test_bad_signal_is_refused_before_the_write(register, tree, signal,
                                                words):
    done = register_with_signal(register, tree, signal)
    assert done.returncode == 1
    assert done.stderr.startswith('gs-register-pid: ')
    assert words in done.stderr
    assert 'such as TERM (SIGTERM, 15)' in done.stderr
    assert register.proc.read_text() == ''


def test_too_many_arguments(register, tree):
    script = write_script(str(register.proc.parent / 'scripts'),
                          'gs-register-pid.j2', str(register.proc))
    done = subprocess.run([script, str(PID), str(tree / 'dir' / 'handler'),
                           'TERM', 'extra'],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert 'usage: gs-register-pid PID HANDLER [SIGNAL]' in done.stderr
