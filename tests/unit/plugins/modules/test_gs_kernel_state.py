# -*- coding: utf-8 -*-
"""gs_kernel_state reads a host in one call and decides with gs_state."""

from __future__ import annotations

import collections
import json
import os
import shutil

from ansible.module_utils import basic
from ansible_collections.oomgs.graceful_shutdown.plugins.modules import gs_kernel_state
from module_runner import run

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'fixtures')
STOCK = '6.1.0-28-amd64'
OURS = '6.1.119-oomgs'
STOCK_ENTRY = 'gnulinux-advanced-0b1c>gnulinux-6.1.0-28-amd64-advanced-0b1c'
Uname = collections.namedtuple('Uname', 'sysname nodename release version machine')


def fake_host(monkeypatch, tmp_path, running=STOCK, failed_units='', system_state='running', fs='ext2'):
    (tmp_path / 'debian_version').write_text('12.8\n')
    (tmp_path / 'run-systemd').mkdir()
    monkeypatch.setattr(gs_kernel_state, 'DEBIAN_VERSION', str(tmp_path / 'debian_version'))
    monkeypatch.setattr(gs_kernel_state, 'SYSTEMD_RUN', str(tmp_path / 'run-systemd'))
    monkeypatch.setattr(gs_kernel_state.os, 'uname',
                        lambda: Uname('Linux', 'h1', running, '#1', 'x86_64'))
    calls = []

    def run_command(self, argv, **kwargs):
        calls.append(argv)
        name = os.path.basename(argv[0])
        if name == 'grub-probe':
            return 0, (fs if argv[1] == '--target=fs' else '') + '\n', ''
        if name == 'systemctl' and 'list-units' in argv:
            return 0, failed_units, ''
        if name == 'timeout':
            return 0, system_state + '\n', ''
        if name == 'dpkg-query':
            return 1, '', 'no packages found'
        raise AssertionError(argv)

    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, *a, **k: '/usr/bin/' + name)
    cfg = tmp_path / 'grub.cfg'
    shutil.copy(os.path.join(FIXTURES, 'grub-debian12.cfg'), str(cfg))
    state = tmp_path / 'state'
    (state / 'failed-trials').mkdir(parents=True)
    (tmp_path / 'grub.d').mkdir()
    return calls, dict(grub_cfg=str(cfg), grubenv=str(tmp_path / 'grubenv'), state_dir=str(state),
                       grub_dropin=str(tmp_path / 'grub.d' / '99-oomgs-graceful-shutdown.cfg'),
                       efivars=str(tmp_path / 'no-efi' / 'efivars'))


def test_reads_everything_and_decides_in_check_mode(monkeypatch, tmp_path):
    calls, args = fake_host(monkeypatch, tmp_path, failed_units='old.service loaded failed failed Old\n')
    build = dict(key='d4eceaf1aa', release=OURS, image_package='linux-image-%s_1_amd64.deb' % OURS)
    result = run(monkeypatch, gs_kernel_state.main,
                 dict(args, build=build, package='linux-image-' + OURS), check_mode=True)
    assert not result['failed'] and not result['changed']
    assert result['running'] == STOCK and result['architecture'] == 'amd64' and result['debian']
    assert result['firmware'] == 'bios' and result['secure_boot'] is False and result['bootloader'] == 'grub'
    assert result['boot_fs'] == dict(fs='ext2', abstraction='')
    assert result['failed_units'] == ['old.service'] and result['lock'] == 'free'
    assert result['grub']['release_entries'][STOCK] == STOCK_ENTRY and 'menu' not in result['grub']
    decision = result['decision']
    assert decision['action'] == 'trial' and decision['install']
    assert decision['pin'] == dict(release=STOCK, entry=STOCK_ENTRY, needed=True)
    # One round trip, read-only commands only.
    assert sorted(os.path.basename(c[0]) for c in calls) == ['dpkg-query', 'grub-probe', 'grub-probe', 'systemctl']


def test_records_on_the_host(monkeypatch, tmp_path):
    dummy, args = fake_host(monkeypatch, tmp_path, running=OURS)
    state = tmp_path / 'state'
    (state / 'failed-trials' / 'aaaaaaaa11').write_text('2026-12-01: it booted x instead\n')
    pending = dict(key='d4eceaf1aa', release=OURS, previous_release=STOCK, started='t0')
    (state / 'trial-pending.json').write_text(json.dumps(pending))
    (state / 'run.lock').write_text(json.dumps(dict(controller='elsewhere', pid='1', epoch=0)))
    result = run(monkeypatch, gs_kernel_state.main,
                 dict(args, build=dict(key='d4eceaf1aa', release=OURS),
                      lock_owner=dict(controller='here', pid='5')))
    assert result['failed_trials'] == {'aaaaaaaa11': '2026-12-01: it booted x instead'}
    assert result['pending'] == pending
    assert result['lock'] == 'stale'
    assert result['decision']['action'] == 'resume'


def test_health_waits_for_systemd_and_ignores_the_baseline(monkeypatch, tmp_path):
    dummy, args = fake_host(monkeypatch, tmp_path, running=OURS, system_state='degraded',
                            failed_units='old.service loaded failed failed Old\nnew.service loaded failed failed New\n')
    proc = tmp_path / 'graceful_shutdown'
    proc.write_text('')
    proc.chmod(0o600)
    health = dict(release=OURS, expect_gs=True, cmdline_options=[], allowed_failed_units=[],
                  baseline_failed_units=['old.service'], systemd_timeout=5, panic_timeout=10)
    result = run(monkeypatch, gs_kernel_state.main, dict(args, health=health, proc_file=str(proc)))
    assert result['health']['booted'] == OURS and result['health']['system_state'] == 'degraded'
    assert result['health']['new_failed_units'] == ['new.service']
    assert result['health']['problems'] == ['failed systemd units: new.service']
    assert 'decision' not in result


def test_unreadable_grub_is_a_refusal_not_a_crash(monkeypatch, tmp_path):
    dummy, args = fake_host(monkeypatch, tmp_path)
    os.unlink(args['grub_cfg'])
    result = run(monkeypatch, gs_kernel_state.main, dict(args, build=dict(key='k1', release=OURS)))
    assert not result['failed']
    assert result['decision']['action'] == 'refuse'
