# -*- coding: utf-8 -*-
"""42_oomgs_trial, the GRUB script of a trial boot: rendered as update-grub
runs it (against a stand-in for grub-mkconfig_lib), its output is a valid
GRUB script (grub-script-check) with the trial entry (panic=N) and a fallback
to the previous kernel, set only while the trial entry is the one booting."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_grub import (
    entry_for_release,
    flatten,
    parse_menu,
)

SCRIPT = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir, os.pardir,
                      'roles', 'kernel_install', 'files', '42_oomgs_trial')
LIB = ('prepare_grub_to_access_device() {\n'
       '\techo "insmod part_msdos"\n'
       '\techo "insmod ext2"\n'
       '\techo "search --no-floppy --fs-uuid --set=root 0b1c"\n'
       '}\n'
       'make_system_path_relative_to_its_root() { echo "$1"; }\n')
TRIAL, PREVIOUS = '6.1.192-oomgs-d4eceaf1', '6.1.0-28-amd64'


def render(tmp_path, settings, kernels=(TRIAL, PREVIOUS)):
    lib = tmp_path / 'grub'
    lib.mkdir()
    (lib / 'grub-mkconfig_lib').write_text(LIB)
    boot = tmp_path / 'boot'
    boot.mkdir()
    for release in kernels:
        (boot / ('vmlinuz-' + release)).write_text('')
        (boot / ('initrd.img-' + release)).write_text('')
    path = tmp_path / 'oomgs-trial'
    if settings is not None:
        path.write_text(settings)
    env = dict(os.environ, pkgdatadir=str(lib), OOMGS_TRIAL_SETTINGS=str(path), OOMGS_TRIAL_BOOT_DIR=str(boot),
               GRUB_DEVICE_UUID='0b1c', GRUB_DEVICE_BOOT='/dev/vda1', GRUB_CMDLINE_LINUX='console=ttyS0',
               GRUB_CMDLINE_LINUX_DEFAULT='quiet')
    done = subprocess.run(['sh', SCRIPT], env=env, capture_output=True, text=True, check=True)
    return done.stdout.replace(str(boot), '/boot')


def grub_script_check(tmp_path, text):
    checker = shutil.which('grub-script-check')
    if checker is None:
        pytest.fail('grub-script-check is missing (Debian package grub-common, scripts/apt/lab.txt)')
    path = tmp_path / 'rendered.cfg'
    path.write_text(text)
    done = subprocess.run([checker, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


SETTINGS = ("OOMGS_TRIAL_RELEASE='%s'\nOOMGS_TRIAL_CMDLINE='panic=10 panic_on_oops=1 softlockup_panic=1'\n"
            "OOMGS_TRIAL_PREVIOUS_RELEASE='%s'\n" % (TRIAL, PREVIOUS))


def test_trial_entry_and_fallback_render_as_valid_grub_script(tmp_path):
    text = render(tmp_path, SETTINGS)
    grub_script_check(tmp_path, text)
    entries = {e['id']: e for e in flatten(parse_menu(text))}
    trial, fallback = entries['oomgs-trial'], entries['oomgs-trial-fallback']
    assert trial['release'] == TRIAL
    assert trial['cmdline'].split()[-3:] == ['panic=10', 'panic_on_oops=1', 'softlockup_panic=1']
    assert 'root=UUID=0b1c' in trial['cmdline'].split()
    assert fallback['release'] == PREVIOUS and 'panic=10' not in fallback['cmdline']
    assert 'if [ "${default}" = "oomgs-trial" ]; then\n\tset fallback="oomgs-trial-fallback"\nfi' in text
    # Neither is ever taken for the release's stable entry (grub-set-default).
    assert entry_for_release(list(entries.values()), PREVIOUS) is None


def test_no_settings_no_entry(tmp_path):
    assert render(tmp_path, None) == ''


def test_no_previous_kernel_no_fallback(tmp_path):
    text = render(tmp_path, SETTINGS, kernels=(TRIAL,))
    grub_script_check(tmp_path, text)
    assert 'oomgs-trial-fallback' not in text and 'fallback' not in text


def test_missing_trial_kernel_no_entry(tmp_path):
    assert render(tmp_path, SETTINGS, kernels=(PREVIOUS,)) == ''
