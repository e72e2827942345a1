# -*- coding: utf-8 -*-
"""gs-run, rendered and run by sh with stand-ins for its registration
helper and systemd-run: [--signal SIG] reaches the helper, the program and
its arguments reach systemd-run, and bad usage is refused."""

from __future__ import annotations

import subprocess

import pytest

from gs_templates import write_script


@pytest.fixture
def gs_run(tmp_path):
    """Run gs-run; returns (done, helper's arguments, systemd-run's)."""
    lib = tmp_path / 'lib'
    lib.mkdir()
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    helper_log = tmp_path / 'helper.args'
    run_log = tmp_path / 'systemd-run.args'
    for path, log in ((lib / 'gs-register-pid', helper_log),
                      (bin_dir / 'systemd-run', run_log)):
        path.write_text('#!/bin/sh\nprintf "%%s\\n" "$@" > %s\n' % log)
        path.chmod(0o755)
    script = write_script(str(tmp_path), 'gs-run.j2',
                          gs_runtime_lib_dir=str(lib))
    environment = dict(PATH='%s:/usr/bin:/bin' % bin_dir)

    def run(*args):
        for log in (helper_log, run_log):
            if log.exists():
                log.unlink()
        done = subprocess.run(['sh', '-c', 'echo $$; exec "$0" "$@"', script]
                              + list(args), env=environment,
                              capture_output=True, text=True, check=False)
        lines = [log.read_text().splitlines() if log.exists() else None
                 for log in (helper_log, run_log)]
        return done, lines[0], lines[1]
    return run


SYSTEMD_RUN = ['--quiet', '--scope', '--collect', '--slice=gs-memlimit.slice',
               '--']


@pytest.mark.parametrize('option', [['--signal', 'TERM'], ['--signal=TERM']])
def test_signal_reaches_the_helper(gs_run, option):
    done, helper, systemd_run = gs_run(*option + ['true', '/h', 'a', 'b c'])
    assert done.returncode == 0, done.stderr
    # The registration is for gs-run's own pid, which the program keeps.
    assert helper == [done.stdout.strip(), '/h', 'TERM']
    assert systemd_run == SYSTEMD_RUN + ['true', 'a', 'b c']


def test_the_positional_form_registers_without_a_signal(gs_run):
    done, helper, systemd_run = gs_run('true', '/h', '--signal', 'TERM')
    assert done.returncode == 0, done.stderr
    assert helper == [done.stdout.strip(), '/h']
    assert systemd_run == SYSTEMD_RUN + ['true', '--signal', 'TERM']


@pytest.mark.parametrize('args', [
    [], ['true'], ['--signal'], ['--signal', 'TERM', 'true'],
    ['--signal', '', 'true', '/h'], ['--signal=', 'true', '/h'],
])
def test_bad_usage(gs_run, args):
    done, helper, systemd_run = gs_run(*args)
    assert done.returncode == 2
    assert 'usage: gs-run [--signal SIG] PROGRAM HANDLER [ARGS...]' in \
        done.stderr
    assert helper is None and systemd_run is None


def test_unknown_program(gs_run):
    done, helper, _systemd_run = gs_run('--signal', 'TERM', 'no-such-prog',
                                        '/h')
    assert done.returncode == 127 and 'command not found' in done.stderr
    assert helper is None
