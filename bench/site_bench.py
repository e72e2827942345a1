# -*- coding: utf-8 -*-
"""Wall time of site.yml on fresh lab fleets of 1, 2, ... hosts, by phase.

Usage (as root, after scripts/bootstrap.sh): bench/site_bench.sh
    [--hosts "1 2"] [--in-place] [--cold-ccache] [--serial N]
    [--report RUN_DIR...]

For each fleet size: destroy the bench VMs, `vagrant up` stock ones from the
lab box (timed, but not part of site.yml), then run site.yml with
lab/site-vars.yml and an empty artifact root of its own, so that the kernel
really is built every time (with the shared, warm ccache unless
--cold-ccache). bench/callback_plugins/gs_phase_timer.py records each task's
start and end on each host; each task is put in a phase (phase_of below).
Within a batch of hosts (site.yml's install play has `serial`), a phase's
wall time runs from its first start to its last end on any host of the
batch, since those hosts go through it in parallel; batches add up. Prints a
table and the cost of adding a host as a percentage of the build-once time
(issue 4's target: under 25 %); asserts nothing about time.

The VMs are the lab's (lab/Vagrantfile) under their own libvirt prefix,
Vagrant state and log directory (build/bench/), so they never meet those of
`make lab` or molecule; they are destroyed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(TOP, 'build', 'bench')
VENV = os.path.join(TOP, '.venv', 'bin')
PHASES = ['build', 'distribute+install', 'reboot', 'verify', 'runtime']

# kernel_install's task files. Those that decide and prepare a (trial)
# boot count as the reboot phase until the host's reboot, verify after it
# (the health checks and making the new kernel GRUB's default). A file not
# listed here is install before the host's first reboot and verify after it.
INSTALL_FILES = {'main.yml', 'packages.yml', 'bootloader.yml'}
BOOT_FILES = {'boot.yml', 'trial_new_kernel.yml', 'trial.yml'}
VERIFY_FILES = {'verify.yml', 'health.yml'}
REBOOT_ACTIONS = {'reboot', 'ansible.builtin.reboot', 'ansible.legacy.reboot'}


def phase_of(record, rebooted):
    """The phase of one task on one host; None for includes and the rest."""
    action = record['action']
    role = record['role'].rsplit('.', 1)[-1]
    if action in REBOOT_ACTIONS:
        # A skipped reboot (the fallback after a healthy trial) is no reboot.
        return None if record['status'] == 'skipped' else 'reboot'
    if 'include_' in action or 'import_' in action:
        return None  # only dispatches the tasks it includes
    if role == 'kernel_build':
        return 'build'
    if role == 'gs_runtime':
        return 'runtime'
    if role == 'kernel_install':
        name = os.path.basename(record['path'].rsplit(':', 1)[0])
        if name in INSTALL_FILES:
            return 'distribute+install'
        if name in VERIFY_FILES or rebooted:
            return 'verify'
        return 'reboot' if name in BOOT_FILES else 'distribute+install'
    return None


def phase_times(records):
    """{phase: wall seconds}, summed over batches of hosts.

    Within a batch (one start of a play; a play with `serial` starts once
    per batch) hosts go through a phase in parallel: its time there runs
    from the first start to the last end on any host of the batch. Batches
    run one after another, so their times add up.
    """
    spans = {}
    rebooted = set()
    for record in sorted(records, key=lambda r: r['start']):
        phase = phase_of(record, record['host'] in rebooted)
        if record['action'] in REBOOT_ACTIONS and record['status'] == 'ok':
            rebooted.add(record['host'])
        if phase is None:
            continue
        key = (record.get('batch', 0), phase)
        start, end = spans.get(key, (record['start'], record['end']))
        spans[key] = (min(start, record['start']), max(end, record['end']))
    times = {}
    for (_batch, phase), (start, end) in spans.items():
        times[phase] = times.get(phase, 0) + end - start
    return times


def log(message):
    print('[site_bench %s] %s' % (time.strftime('%H:%M:%S'), message),
          flush=True)


def run(argv, logfile, **kwargs):
    """Run argv with its output appended to logfile; fail loudly."""
    with open(logfile, 'a', encoding='utf-8') as out:
        out.write('\n$ %s\n' % ' '.join(argv))
        out.flush()
        code = subprocess.call(argv, stdout=out, stderr=subprocess.STDOUT,
                               **kwargs)
    if code != 0:
        with open(logfile, encoding='utf-8', errors='replace') as out:
            tail = out.read()[-3000:]
        raise SystemExit('%s failed (exit %d), log %s:\n%s'
                         % (argv[0], code, logfile, tail))


def vagrant(args, logfile, hosts=9):
    """vagrant in lab/ with the bench's VMs; 9 = every host it can define."""
    run(['vagrant', '--no-tty'] + args, logfile, cwd=os.path.join(TOP, 'lab'),
        env=dict(os.environ, GS_LAB_HOSTS=str(hosts)))


def fleet_run(hosts, options):
    """Fresh VMs, then site.yml; returns the figures of this fleet size."""
    run_dir = os.path.join(STATE, '%s-%dh' % (time.strftime('%Y%m%d-%H%M%S'),
                                              hosts))
    os.makedirs(run_dir)
    logfile = os.path.join(run_dir, 'bench.log')
    os.environ['GS_LAB_LOG_DIR'] = run_dir
    log('%d host(s): fresh VMs (log %s)' % (hosts, logfile))
    vagrant(['destroy', '-f'], logfile)
    start = time.monotonic()
    vagrant(['up'], logfile, hosts)
    vm_seconds = time.monotonic() - start
    inventory = os.path.join(run_dir, 'inventory.yml')
    run([sys.executable, 'lab/inventory.py', inventory], logfile,
        cwd=TOP, env=dict(os.environ, GS_LAB_HOSTS=str(hosts)))

    extra = ['-e', '@lab/site-vars.yml']
    if options.serial:
        extra += ['-e', 'gs_rollout_serial=%s' % options.serial]
    if options.in_place:
        # The build runs in each guest, its own paths and (empty) ccache.
        extra += ['-e', 'gs_kernel_build_mode=in_place']
    else:
        # An empty artifact root: no finished build to find, so it builds.
        extra += ['-e', 'kernel_build_artifact_root=%s/artifacts' % run_dir,
                  '-e', 'kernel_build_work_dir=%s/kernel-work' % run_dir]
        if options.cold_ccache:
            extra += ['-e', 'kernel_build_ccache_dir=%s/ccache' % run_dir]
    timings = os.path.join(run_dir, 'timings.json')
    env = dict(os.environ, GS_BENCH_TIMINGS=timings,
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(TOP, 'bench',
                                                     'callback_plugins'),
               ANSIBLE_CALLBACKS_ENABLED='gs_phase_timer')
    load = os.getloadavg()[0]
    log('%d host(s): site.yml (load %.2f)' % (hosts, load))
    start = time.monotonic()
    run([os.path.join(VENV, 'ansible-playbook'), '-i', inventory] + extra
        + ['site.yml'], logfile, cwd=TOP, env=env)
    total = time.monotonic() - start
    log('%d host(s): site.yml took %.0f s' % (hosts, total))
    with open(os.path.join(run_dir, 'result.json'), 'w',
              encoding='utf-8') as out:
        json.dump(dict(hosts=hosts, vm=vm_seconds, total=total, load=load),
                  out)
    return load_result(run_dir)


def load_result(run_dir):
    """A fleet run's figures, phases computed again from its timings."""
    with open(os.path.join(run_dir, 'result.json'), encoding='utf-8') as data:
        result = json.load(data)
    with open(os.path.join(run_dir, 'timings.json'), encoding='utf-8') as data:
        result['phases'] = phase_times(json.load(data))
    return result


def report(results, options):
    mode = 'in_place' if options.in_place else 'build_once'
    ccache = 'cold (empty) ccache' if options.cold_ccache or options.in_place \
        else 'warm ccache'
    serial = options.serial or "site.yml's default"
    print('\nsite.yml wall time by phase, seconds (%s mode, build with %s, '
          'install batches gs_rollout_serial=%s)' % (mode, ccache, serial))
    print('%s, %d cores, %s' % (time.strftime('%Y-%m-%d %H:%M %Z'),
                                os.cpu_count(), os.uname().nodename))
    header = ''.join('%10s' % ('%d host%s' % (r['hosts'], 's' * (r['hosts'] > 1)))
                     for r in results)
    print('%-30s%s' % ('phase', header))

    def row(label, values, fmt='%10.0f'):
        print('%-30s%s' % (label, ''.join(
            fmt % v if v is not None else '%10s' % '-' for v in values)))

    row('VM creation (not in site.yml)', [r['vm'] for r in results])
    for phase in PHASES:
        row(phase, [r['phases'].get(phase) for r in results])
    row('other (startup, includes)',
        [r['total'] - sum(r['phases'].values()) for r in results])
    row('site.yml total', [r['total'] for r in results])
    row('load average at start', [r['load'] for r in results], '%10.2f')
    if len(results) < 2:
        return
    # In build_once mode the build does not grow with the fleet: leave its
    # run-to-run noise out of the per-host cost. In in_place mode it does.
    first, last = results[0], results[-1]

    def grows(r):
        return r['total'] - (0 if options.in_place
                             else r['phases'].get('build', 0))
    per_host = (grows(last) - grows(first)) / (last['hosts'] - first['hosts'])
    builds = [r['phases'].get('build', 0) for r in results]
    build = sum(builds) / len(builds)
    print('\ncost of adding a host: %.0f s = %.1f %% of the build-once time '
          '(build phase, mean %.0f s); issue 4 target: under 25 %%'
          % (per_host, 100 * per_host / build, build))
    print('(site.yml%s at %d vs %d hosts, per added host)'
          % ('' if options.in_place else ' minus build', last['hosts'],
             first['hosts']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--hosts', default='1 2',
                        help='fleet sizes, e.g. "1 2" (default)')
    parser.add_argument('--in-place', action='store_true',
                        help='gs_kernel_build_mode=in_place: build in every '
                        'guest (hours under TCG)')
    parser.add_argument('--cold-ccache', action='store_true',
                        help='build_once with an empty ccache of its own')
    parser.add_argument('--serial', default='',
                        help='gs_rollout_serial for the install play, e.g. '
                        '100%% (all hosts at once); default: site.yml\'s')
    parser.add_argument('--report', nargs='+', metavar='RUN_DIR',
                        help='only print the table again for earlier runs '
                        '(build/bench/<time>-<n>h), with the options they '
                        'ran with')
    options = parser.parse_args()
    if options.report:
        report(sorted((load_result(d) for d in options.report),
                      key=lambda r: r['hosts']), options)
        return 0
    sizes = sorted(int(n) for n in options.hosts.split())
    if not sizes or not all(1 <= n <= 9 for n in sizes):
        parser.error('--hosts: numbers 1..9')

    os.makedirs(STATE, exist_ok=True)
    os.environ.update(
        GS_LAB_PREFIX='oomgs-bench-',
        VAGRANT_DOTFILE_PATH=os.path.join(STATE, '.vagrant'),
        GS_LAB_LOG_DIR=STATE,
        VAGRANT_DEFAULT_PROVIDER='libvirt',
        ANSIBLE_COLLECTIONS_PATH=os.path.join(TOP, 'build', 'collections'),
        ANSIBLE_HOST_KEY_CHECKING='False',
        ANSIBLE_TIMEOUT=os.environ.get('ANSIBLE_TIMEOUT', '120'),
        ANSIBLE_NOCOLOR='1')
    setup_log = os.path.join(STATE, 'setup.log')
    run([os.path.join(TOP, 'lab', 'libvirt-up.sh')], setup_log)
    run([os.path.join(TOP, 'lab', 'box', 'build-box.sh')], setup_log)
    link = os.path.join(TOP, 'build', 'collections', 'ansible_collections',
                        'oomgs', 'graceful_shutdown')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(TOP, link)

    # SIGTERM/SIGHUP unwind like Ctrl-C, through the finally below.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    results = []
    try:
        for hosts in sizes:
            results.append(fleet_run(hosts, options))
    finally:
        log('destroying the bench VMs')
        try:
            vagrant(['destroy', '-f'], setup_log)
        except SystemExit as err:  # still print what was measured
            log(err)
        if results:
            report(results, options)
    return 0


if __name__ == '__main__':
    sys.exit(main())
