# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What kernel_install needs to know about a host before it changes
anything, and what it decides from it: pure functions over what
gs_kernel_state reads in one round trip, so that check mode (plan.yml) and
the real run take their decisions with the same code."""

from __future__ import annotations

import json
import os
import re

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_grub import (
    TRIAL_ENTRY_ID,
    resolve,
)

# EFI global variable GUID (SecureBoot) and systemd-boot's vendor GUID
# (LoaderInfo, set by systemd-boot at every boot it does).
SECURE_BOOT_VAR = 'SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c'
LOADER_INFO_VAR = 'LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'

# uname -m -> dpkg architecture.
_DEB_ARCH = {
    'x86_64': 'amd64', 'aarch64': 'arm64', 'armv7l': 'armhf', 'i686': 'i386',
    'i386': 'i386', 'ppc64le': 'ppc64el', 's390x': 's390x', 'riscv64': 'riscv64',
}
_GRUB_DEFAULT = re.compile(r'^\s*(export\s+)?GRUB_DEFAULT=', re.M)
# grub-probe --target=abstraction names these for RAID, LVM, LUKS and the
# like; GRUB cannot write grubenv through any of them at boot.
_BTRFS_ZFS = ('btrfs', 'zfs')


def deb_arch(machine):
    """dpkg's name for a uname -m machine (the machine itself if unknown)."""
    return _DEB_ARCH.get(machine, machine)


def package_arch(image_package):
    """The architecture in a .deb file name (name_version_arch.deb), or ''."""
    name = os.path.basename(image_package or '')
    if not name.endswith('.deb') or name.count('_') < 2:
        return ''
    return name[:-len('.deb')].rsplit('_', 1)[1]


def efi_variable(efivars_dir, name):
    """The value of an EFI variable (without its 4 attribute bytes), or None."""
    try:
        with open(os.path.join(efivars_dir, name), 'rb') as handle:
            data = handle.read()
    except OSError:
        return None
    return data[4:]


def secure_boot(efivars_dir):
    """(firmware, secure_boot): 'uefi' or 'bios', and True/False (None when
    the firmware is UEFI but does not say)."""
    if not os.path.isdir(os.path.dirname(efivars_dir.rstrip('/'))):
        return 'bios', False
    value = efi_variable(efivars_dir, SECURE_BOOT_VAR)
    if value is None or len(value) < 1:
        return 'uefi', None if not os.path.isdir(efivars_dir) else False
    return 'uefi', value[0] == 1


def bootloader(efivars_dir, grub_cfg_exists, grub_tools):
    """'systemd-boot' when it booted this host (its LoaderInfo variable),
    'grub' when GRUB's configuration and tools are there, else 'unknown'."""
    info = efi_variable(efivars_dir, LOADER_INFO_VAR)
    if info is not None:
        text = info.decode('utf-16-le', 'replace')
        if 'systemd-boot' in text:
            return 'systemd-boot'
        if 'GRUB' in text.upper():
            return 'grub'
    if grub_cfg_exists and grub_tools:
        return 'grub'
    return 'unknown'


def grub_default_overrides(dropin_dir, dropin_name, read=None):
    """Drop-ins sorting after ours (update-grub sources them in order) that
    set GRUB_DEFAULT: they would undo GRUB_DEFAULT=saved."""
    try:
        names = sorted(os.listdir(dropin_dir))
    except OSError:
        return []
    found = []
    for name in names:
        if not name.endswith('.cfg') or name <= dropin_name:
            continue
        path = os.path.join(dropin_dir, name)
        try:
            with open(path, encoding='utf-8', errors='replace') as handle:
                text = handle.read()
        except OSError:
            continue
        if _GRUB_DEFAULT.search(text):
            found.append(path)
    return found


def parse_failed_units(text):
    """Unit names from `systemctl list-units --state=failed --plain --no-legend`."""
    units = []
    for line in text.splitlines():
        fields = line.replace('\u25cf', ' ').split()
        if fields:
            units.append(fields[0])
    return sorted(set(units))


def read_json(path):
    """A JSON file's content, None when it does not exist or is unreadable
    (a half-written record is as good as none)."""
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def lock_status(record, owner, live_pids, now, expiry):
    """The run lock: 'free' (no record), 'ours' (this run), 'stale' (its run
    is gone: the same controller has no such ansible-playbook any more, or
    it is older than expiry seconds) or 'held' (another run, alive)."""
    if not record:
        return 'free'
    if owner and record.get('controller') == owner.get('controller') \
            and str(record.get('pid')) == str(owner.get('pid')):
        return 'ours'
    if owner and record.get('controller') == owner.get('controller') \
            and str(record.get('pid')) not in [str(p) for p in live_pids]:
        return 'stale'
    started = record.get('epoch')
    if not isinstance(started, (int, float)) or now - started > expiry:
        return 'stale'
    return 'held'


def _refuse(reason, phase='preflight'):
    return dict(action='refuse', reason=reason, phase=phase)


def decide(state, build, options):
    """What kernel_install does on this host.

    state: what gs_kernel_state read (see the module's RETURN).
    build: key, release, architecture (may be ''), signed (bool).
    options: reboot, retry_failed_trial, mode ('package'/'in_place').

    Returns a dict: action (refuse, resume, trial, verify, install), reason
    (for refuse), pin (release, entry, needed: grub-set-default the entry
    first), cleanup (None, or kind 'hang'/'not_started' with record_failed:
    the key to record as failed, '' for none, and reason), resume_verdict
    ('check' or 'back' when a failed marker exists already), install (the
    package is not installed yet).
    """
    running = state['running']
    release = build['release']
    key = build['key']
    pending = state.get('pending')
    grub = state.get('grub') or {}
    decision = dict(action=None, reason='', phase='preflight', pin=None, cleanup=None,
                    resume_verdict=None, install=False, pending=pending)

    def done(update):
        decision.update(update)
        return decision

    if not state.get('debian'):
        return done(_refuse('not a Debian-family host (no /etc/debian_version): kernel_install '
                            'installs .deb packages and runs update-grub'))
    if state.get('lock') == 'held':
        holder = state.get('lock_record') or {}
        return done(_refuse('another kernel_install run holds %s (controller %s, pid %s, since %s); '
                            'it is still alive or too recent to take over'
                            % (state.get('lock_path', 'the run lock'), holder.get('controller'),
                               holder.get('pid'), holder.get('started'))))
    if state.get('bootloader') != 'grub':
        return done(_refuse('the host does not boot with GRUB 2 (boot loader: %s); systemd-boot and '
                            'other boot loaders are not supported' % state.get('bootloader')))
    if not grub.get('readable', True):
        return done(_refuse('cannot read GRUB\'s configuration: %s' % grub.get('error')))

    entries_by_release = grub.get('release_entries', {})
    menu = grub.get('menu') or []

    def pin_for(pin_release):
        entry = entries_by_release.get(pin_release)
        saved = resolve(menu, grub.get('saved_entry', '')) if grub.get('saved_entry') else None
        return dict(release=pin_release, entry=entry,
                    needed=bool(entry) and (saved is None or saved.get('release') != pin_release))

    failed_keys = state.get('failed_trials', {})
    failed_text = failed_keys.get(key)

    # A trial under way before this run.
    if pending:
        p_release = pending.get('release', '')
        p_key = pending.get('key', '')
        previous = pending.get('previous_release', '')
        next_entry = grub.get('next_entry', '')
        if running == p_release and p_release != previous:
            # The trial boot came back (the run that started it was cut off
            # during or after the reboot): finish it.
            decision.update(action='resume', phase='trial', pin=pin_for(previous),
                            resume_verdict='back' if p_key and p_key in failed_keys else 'check')
            return decision
        if next_entry == TRIAL_ENTRY_ID:
            # grub-reboot ran but the host never rebooted: the trial never
            # started. Undo it; nothing failed.
            decision['cleanup'] = dict(kind='not_started', record_failed='',
                                       reason='a trial of Linux %s was armed but the host never rebooted into it'
                                       % p_release)
        else:
            # The one-shot entry was consumed and the host is not on the
            # trial kernel: that boot never came back to its checks.
            decision['cleanup'] = dict(
                kind='hang', record_failed=p_key,
                reason='%s: the trial boot of Linux %s never came back to its health checks (the kernel '
                       'hung without panicking and the host was power-cycled, or it was lost); found '
                       'running %s' % (pending.get('started', '?'), p_release, running))
            if p_key:
                failed_keys = dict(failed_keys)
                failed_keys.setdefault(p_key, decision['cleanup']['reason'])
                failed_text = failed_keys.get(key)

    decision['install'] = options.get('mode', 'package') == 'package' and not state.get('package_installed')

    if running == release:
        pin = pin_for(running)
        if not pin['entry']:
            return done(_refuse('GRUB has no menu entry for the running kernel %s' % running))
        return done(dict(action='verify', pin=pin))

    machine_arch = state.get('architecture', '')
    if build.get('architecture') and machine_arch and build['architecture'] != machine_arch:
        return done(_refuse('the build is for %s, the host is %s' % (build['architecture'], machine_arch)))
    if state.get('secure_boot') and not build.get('signed'):
        return done(_refuse('UEFI Secure Boot is on and the build is not signed for it: shim would refuse '
                            'the kernel (sign builds, or turn Secure Boot off)'))
    boot_fs = state.get('boot_fs') or {}
    if boot_fs.get('fs') in _BTRFS_ZFS or boot_fs.get('abstraction'):
        return done(_refuse('/boot/grub is on %s%s, where GRUB cannot write its environment block at boot: '
                            'it could not consume the one-shot trial entry'
                            % (boot_fs.get('fs'), (' over ' + boot_fs['abstraction']) if boot_fs.get('abstraction') else '')))
    overrides = state.get('grub_default_overrides') or []
    if overrides:
        return done(_refuse('%s set GRUB_DEFAULT after the role\'s drop-in, which would undo '
                            'GRUB_DEFAULT=saved' % ', '.join(overrides)))
    pin = pin_for(running)
    if not pin['entry']:
        return done(_refuse('GRUB has no menu entry for the running kernel %s, so its saved default '
                            'cannot be pinned to it (was the kernel removed, or is update-grub stale?)'
                            % running))
    if failed_text and not options.get('retry_failed_trial'):
        return done(_refuse('build %s (Linux %s) failed its trial on this host before: %s'
                            % (key, release, failed_text.strip())))
    if not options.get('reboot', True):
        return done(dict(action='install', pin=pin))
    return done(dict(action='trial', pin=pin))


def health_problems(observed, expect):
    """What is wrong with a host as booted, [] when healthy.

    observed: booted (uname -r), proc_mode ('0600', '' when missing, None
    when not looked at), cmdline, system_state, timed_out, failed_units.
    expect: release, expect_gs, cmdline_options, allowed_failed_units,
    baseline_failed_units (failed before the trial: not held against it),
    systemd_timeout, panic_timeout.
    """
    problems = []
    booted = observed['booted']
    if booted != expect['release']:
        return ['it booted %s instead (the kernel on trial did not come up, or panicked and panic=%s '
                'rebooted it)' % (booted, expect.get('panic_timeout', '?'))]
    if expect.get('expect_gs') and observed.get('proc_mode') != '0600':
        mode = observed.get('proc_mode')
        problems.append('/proc/graceful_shutdown is %s (built without CONFIG_OOM_GRACEFUL_SHUTDOWN, or the '
                        'patches did not apply?)' % (('mode ' + mode) if mode else 'missing'))
    missing = [o for o in expect.get('cmdline_options', []) if o not in observed.get('cmdline', '').split()]
    if missing:
        problems.append('the kernel command line lacks ' + ' '.join(missing))
    state = observed.get('system_state', '')
    if observed.get('timed_out') or state not in ('', 'running', 'degraded'):
        problems.append('systemd did not finish booting within %s s (is-system-running: %s)'
                        % (expect.get('systemd_timeout', '?'), state or 'no answer'))
    new = new_failed_units(observed.get('failed_units', []), expect)
    if new:
        problems.append('failed systemd units: ' + ', '.join(new))
    return problems


def new_failed_units(failed, expect):
    """Failed units not allowed and not failed already before the trial."""
    known = set(expect.get('allowed_failed_units', [])) | set(expect.get('baseline_failed_units', []))
    return sorted(u for u in failed if u not in known)
