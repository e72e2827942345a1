# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read the graceful-shutdown counters from /proc/vmstat.

The kernel counts, since boot, in "graceful_shutdown_<name> <value>" lines:
run (a registered victim was picked and its run begun), exited (the
handler exited before its deadline), timed_out, failed (the handler could
not be started), refused (the file failed the safety check just before
the exec) and, since the kernel interface v2, victim_exited (victims that
exited by themselves during their grace, not killed). Once nothing runs,
run == exited + timed_out + failed + refused. A kernel without graceful
shutdown, or built without CONFIG_VM_EVENT_COUNTERS, has none of these
lines; one before v2 has all but victim_exited.
"""

from __future__ import annotations

DEFAULT_VMSTAT_PATH = '/proc/vmstat'
COUNTER_NAMES = ('run', 'exited', 'timed_out', 'failed', 'refused',
                 'victim_exited')
_PREFIX = 'graceful_shutdown_'


class CountersError(Exception):
    """The counters could not be read."""


def parse_counters(text):
    """{name: value} of the counters in vmstat text; None if it has none.

    A counter the kernel does not report (victim_exited on a kernel before
    it) is None; ValueError on a counter line whose value is not a number.
    """
    names = dict((_PREFIX + name, name) for name in COUNTER_NAMES)
    counters = {}
    for number, line in enumerate(text.splitlines(), 1):
        key, _sep, value = line.partition(' ')
        if key not in names:
            continue
        if not value.isdigit():
            raise ValueError('line %d is not "%s <number>": %r'
                             % (number, key, line))
        counters[names[key]] = int(value)
    if not counters:
        return None
    return dict((name, counters.get(name)) for name in COUNTER_NAMES)


def read_counters(vmstat_path=DEFAULT_VMSTAT_PATH):
    """The counters of the running kernel, or None if it has none."""
    try:
        with open(vmstat_path) as vmstat:
            text = vmstat.read()
    except OSError as err:
        raise CountersError('cannot read %s: %s'
                            % (vmstat_path, err.strerror))
    try:
        return parse_counters(text)
    except ValueError as err:
        raise CountersError('%s does not follow the vmstat format: %s'
                            % (vmstat_path, err))
