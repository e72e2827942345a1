# -*- coding: utf-8 -*-
"""The preflight decisions of kernel_install (gs_state.decide), the run lock,
the health verdict and the small readers behind gs_kernel_state."""

from __future__ import annotations

import os

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_grub import describe
from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_state import (
    LOADER_INFO_VAR,
    SECURE_BOOT_VAR,
    bootloader,
    decide,
    deb_arch,
    grub_default_overrides,
    health_problems,
    lock_status,
    package_arch,
    parse_failed_units,
    secure_boot,
)

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'fixtures', 'grub-debian12.cfg')
STOCK = '6.1.0-28-amd64'
OURS = '6.1.119-oomgs'
STOCK_ENTRY = 'gnulinux-advanced-0b1c>gnulinux-6.1.0-28-amd64-advanced-0b1c'
OURS_ENTRY = 'gnulinux-advanced-0b1c>gnulinux-6.1.119-oomgs-advanced-0b1c'
BUILD = dict(key='d4eceaf1aa', release=OURS, architecture='amd64')
TRIAL = dict(reboot=True, retry_failed_trial=False, mode='package')


def grub(env=''):
    with open(FIXTURE, encoding='utf-8') as handle:
        return describe(handle.read(), env, [STOCK, OURS], with_menu=True)


def host(**changes):
    state = dict(running=STOCK, architecture='amd64', debian=True, firmware='bios', secure_boot=False,
                 bootloader='grub', boot_fs=dict(fs='ext2', abstraction=''), grub=grub(),
                 grub_default_overrides=[], pending=None, failed_trials={}, package_installed=False,
                 failed_units=[], lock='free', lock_record=None)
    state.update(changes)
    return state


def test_a_stock_host_without_saved_entry_is_pinned_first_then_trialled():
    decision = decide(host(), BUILD, TRIAL)
    assert decision['action'] == 'trial' and decision['install']
    # No saved_entry: GRUB would boot entry 0, the build. The pin comes first.
    assert decision['pin'] == dict(release=STOCK, entry=STOCK_ENTRY, needed=True)


def test_a_pinned_host_needs_no_pin():
    decision = decide(host(grub=grub('saved_entry=' + STOCK_ENTRY)), BUILD, TRIAL)
    assert decision['pin']['needed'] is False


def test_reboot_false_pins_and_installs_only():
    decision = decide(host(), BUILD, dict(TRIAL, reboot=False))
    assert decision['action'] == 'install' and decision['pin']['needed']


@pytest.mark.parametrize('changes, build, reason', [
    (dict(debian=False), {}, 'not a Debian-family host'),
    (dict(bootloader='systemd-boot'), {}, 'boot loader: systemd-boot'),
    (dict(architecture='arm64'), {}, 'the build is for amd64, the host is arm64'),
    (dict(secure_boot=True, firmware='uefi'), {}, 'UEFI Secure Boot is on and the build is not signed'),
    (dict(boot_fs=dict(fs='ext2', abstraction='diskfilter mdraid1x')), {}, 'over diskfilter mdraid1x'),
    (dict(boot_fs=dict(fs='btrfs', abstraction='')), {}, '/boot/grub is on btrfs'),
    (dict(grub_default_overrides=['/etc/default/grub.d/99z.cfg']), {}, '99z.cfg set GRUB_DEFAULT'),
    (dict(running='6.1.0-99-amd64'), {}, 'no menu entry for the running kernel 6.1.0-99-amd64'),
    (dict(failed_trials={'d4eceaf1aa': 'x: it booted 6.1.0 instead'}), {}, 'failed its trial on this host before'),
    (dict(lock='held', lock_record=dict(controller='c2', pid='7')), {}, 'another kernel_install run holds'),
])
def test_refusals_set_the_host_aside_before_any_change(changes, build, reason):
    decision = decide(host(**changes), dict(BUILD, **build), TRIAL)
    assert decision['action'] == 'refuse' and decision['phase'] == 'preflight'
    assert reason in decision['reason'], decision['reason']
    assert decision['pin'] is None


def test_refusals_apply_with_reboot_false_too():
    decision = decide(host(secure_boot=True), BUILD, dict(TRIAL, reboot=False))
    assert decision['action'] == 'refuse'


def test_a_signed_build_passes_secure_boot():
    assert decide(host(secure_boot=True), dict(BUILD, signed=True), TRIAL)['action'] == 'trial'


def test_retry_flag_trials_a_failed_build_again():
    state = host(failed_trials={BUILD['key']: 'failed'})
    assert decide(state, BUILD, dict(TRIAL, retry_failed_trial=True))['action'] == 'trial'


def test_the_build_running_is_verified_and_kept_the_default():
    decision = decide(host(running=OURS, secure_boot=True), BUILD, TRIAL)
    assert decision['action'] == 'verify'
    assert decision['pin'] == dict(release=OURS, entry=OURS_ENTRY, needed=True)


PENDING = dict(key=BUILD['key'], release=OURS, previous_release=STOCK, started='2026-12-07T10:00:00')


def test_a_trial_that_came_back_on_the_trial_kernel_is_finished():
    state = host(running=OURS, pending=PENDING, grub=grub('saved_entry=' + STOCK_ENTRY))
    decision = decide(state, BUILD, TRIAL)
    assert decision['action'] == 'resume' and decision['resume_verdict'] == 'check'
    # The pin stays on the previous kernel, never the one on trial.
    assert decision['pin']['release'] == STOCK and not decision['pin']['needed']


def test_a_resumed_trial_already_recorded_as_failed_goes_back():
    state = host(running=OURS, pending=PENDING, failed_trials={BUILD['key']: 'unhealthy'})
    assert decide(state, BUILD, TRIAL)['resume_verdict'] == 'back'


def test_back_on_the_previous_kernel_with_next_entry_consumed_is_a_hang():
    state = host(pending=PENDING, grub=grub('saved_entry=' + STOCK_ENTRY))
    decision = decide(state, BUILD, TRIAL)
    assert decision['cleanup']['kind'] == 'hang' and decision['cleanup']['record_failed'] == BUILD['key']
    assert 'never came back to its health checks' in decision['cleanup']['reason']
    # The build that hung is refused on this host, after the cleanup.
    assert decision['action'] == 'refuse' and 'failed its trial on this host before' in decision['reason']


def test_a_trial_armed_but_never_booted_is_undone_and_tried_again():
    state = host(pending=PENDING, grub=grub('saved_entry=%s\nnext_entry=oomgs-trial' % STOCK_ENTRY))
    decision = decide(state, BUILD, TRIAL)
    assert decision['cleanup']['kind'] == 'not_started' and decision['cleanup']['record_failed'] == ''
    assert decision['action'] == 'trial'


def test_lock_status():
    me = dict(controller='c1', pid='100')
    assert lock_status(None, me, [], 1000, 60) == 'free'
    assert lock_status(dict(controller='c1', pid='100', epoch=990), me, ['100'], 1000, 60) == 'ours'
    assert lock_status(dict(controller='c1', pid='99', epoch=990), me, ['100'], 1000, 60) == 'stale'
    assert lock_status(dict(controller='c1', pid='99', epoch=990), me, ['99', '100'], 1000, 60) == 'held'
    assert lock_status(dict(controller='c2', pid='99', epoch=990), me, ['100'], 1000, 60) == 'held'
    assert lock_status(dict(controller='c2', pid='99', epoch=900), me, ['100'], 1000, 60) == 'stale'
    assert lock_status(dict(controller='c2', pid='99'), me, [], 1000, 60) == 'stale'


EXPECT = dict(release=OURS, expect_gs=True, cmdline_options=['cgroup_enable=memory'], allowed_failed_units=[],
              baseline_failed_units=[], systemd_timeout=300, panic_timeout=10)
HEALTHY = dict(booted=OURS, proc_mode='0600', cmdline='ro cgroup_enable=memory', system_state='running',
               timed_out=False, failed_units=[])


def test_healthy():
    assert health_problems(HEALTHY, EXPECT) == []


def test_units_failed_before_the_trial_are_not_held_against_it():
    observed = dict(HEALTHY, system_state='degraded', failed_units=['old.service', 'new.service'])
    expect = dict(EXPECT, baseline_failed_units=['old.service'])
    assert health_problems(observed, expect) == ['failed systemd units: new.service']
    expect = dict(expect, allowed_failed_units=['new.service'])
    assert health_problems(observed, expect) == []


def test_wrong_kernel_says_only_that():
    problems = health_problems(dict(HEALTHY, booted=STOCK), EXPECT)
    assert problems == ['it booted %s instead (the kernel on trial did not come up, or panicked and '
                        'panic=10 rebooted it)' % STOCK]


def test_every_other_problem_is_listed():
    observed = dict(HEALTHY, proc_mode='', cmdline='ro', system_state='starting', timed_out=True)
    problems = health_problems(observed, EXPECT)
    assert problems == ['/proc/graceful_shutdown is missing (built without CONFIG_OOM_GRACEFUL_SHUTDOWN, or the '
                        'patches did not apply?)',
                        'the kernel command line lacks cgroup_enable=memory',
                        'systemd did not finish booting within 300 s (is-system-running: starting)']


def test_secure_boot_and_bootloader_from_efi_variables(tmp_path):
    efivars = tmp_path / 'efi' / 'efivars'
    assert secure_boot(str(efivars)) == ('bios', False)
    efivars.mkdir(parents=True)
    assert secure_boot(str(efivars)) == ('uefi', False)
    (efivars / SECURE_BOOT_VAR).write_bytes(b'\x06\x00\x00\x00\x01')
    assert secure_boot(str(efivars)) == ('uefi', True)
    (efivars / SECURE_BOOT_VAR).write_bytes(b'\x06\x00\x00\x00\x00')
    assert secure_boot(str(efivars)) == ('uefi', False)
    assert bootloader(str(efivars), True, True) == 'grub'
    assert bootloader(str(efivars), False, True) == 'unknown'
    (efivars / LOADER_INFO_VAR).write_bytes(b'\x06\x00\x00\x00' + 'systemd-boot 252'.encode('utf-16-le'))
    assert bootloader(str(efivars), True, True) == 'systemd-boot'


def test_drop_ins_after_ours_setting_grub_default(tmp_path):
    (tmp_path / '50-cloudimg-settings.cfg').write_text('GRUB_DEFAULT=0\n')
    (tmp_path / '99-oomgs-graceful-shutdown.cfg').write_text('GRUB_DEFAULT=saved\n')
    (tmp_path / '99-zz-local.cfg').write_text('# GRUB_DEFAULT=2\nGRUB_TIMEOUT=1\n')
    assert grub_default_overrides(str(tmp_path), '99-oomgs-graceful-shutdown.cfg') == []
    (tmp_path / '99-zz-local.cfg').write_text('export GRUB_DEFAULT=2\n')
    assert grub_default_overrides(str(tmp_path), '99-oomgs-graceful-shutdown.cfg') == [
        str(tmp_path / '99-zz-local.cfg')]


def test_small_readers():
    assert deb_arch('x86_64') == 'amd64' and deb_arch('aarch64') == 'arm64'
    assert package_arch('/a/linux-image-6.1.119-oomgs_6.1.119-1_amd64.deb') == 'amd64'
    assert package_arch('') == ''
    text = 'foo.service loaded failed failed Foo\n\u25cf bar.mount loaded failed failed Bar\n'
    assert parse_failed_units(text) == ['bar.mount', 'foo.service']
