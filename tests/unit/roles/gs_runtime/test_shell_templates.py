# -*- coding: utf-8 -*-
"""gs_runtime's shell templates, rendered, are POSIX sh that shellcheck
passes (they run under dash on Debian)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from gs_templates import write_script


@pytest.mark.skipif(shutil.which('shellcheck') is None,
                    reason='shellcheck is not installed (scripts/apt/base.txt)')
@pytest.mark.parametrize('template', ['gs-register-pid.j2', 'gs-run.j2',
                                      'record-victim.j2'])
def test_shellcheck_clean(tmp_path, template):
    script = write_script(str(tmp_path), template)
    done = subprocess.run(['shellcheck', '--shell=sh', script],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
