# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read the kernel's runs in progress from /proc/graceful_shutdown_runs.

When the OOM killer picks a registered process its run begins: the
registration is used up (the registry no longer lists it) and the runs
file (0400, read-only) has one line per run in progress, ascending pid:
"<pid> <path> scope=<memcg|global> signal=<N> grace=<on|over>
handler=<starting|running|exited|timed_out|failed|refused> elapsed_ms=<n>
left_ms=<n> budget_left_kb=<n>" (signal=0: the registration asked none).
Keys this module does not know are a later kernel's and are ignored;
kernels before the runs file have none.
"""

from __future__ import annotations

DEFAULT_RUNS_PATH = '/proc/graceful_shutdown_runs'
# key in the file -> (name in the result, whether it is a number)
_FIELDS = {
    'scope': ('scope', False),
    'signal': ('signal', True),
    'grace': ('grace', False),
    'handler': ('handler_state', False),
    'elapsed_ms': ('elapsed_ms', True),
    'left_ms': ('left_ms', True),
    'budget_left_kb': ('budget_left_kb', True),
}


class RunsError(Exception):
    """The runs file could not be read or does not follow its format."""


def _run(line):
    pid_text, _sep, rest = line.partition(' ')
    words = rest.split(' ')
    if not pid_text.isdigit() or not words[0].startswith('/'):
        raise ValueError('not "<pid> <path> key=value...": %r' % line)
    run = dict(pid=int(pid_text), handler=words[0])
    run.update((name, None) for name, _number in _FIELDS.values())
    for word in words[1:]:
        key, sep, value = word.partition('=')
        if not sep:
            raise ValueError('%r is not key=value in %r' % (word, line))
        if key not in _FIELDS:
            continue
        name, number = _FIELDS[key]
        if number and not value.isdigit():
            raise ValueError('%s=%s is not a number: %r' % (key, value, line))
        run[name] = int(value) if number else value
    # Like gs_info's registrations: no signal is null, not 0.
    run['signal'] = run['signal'] or None
    return run


def parse_runs(text):
    """A list of runs (dicts) from the runs file's text; ValueError if bad."""
    runs = []
    for number, line in enumerate(text.split('\n'), 1):
        if not line:
            continue
        try:
            runs.append(_run(line))
        except ValueError as err:
            raise ValueError('line %d: %s' % (number, err))
    return runs


def read_runs(runs_path=DEFAULT_RUNS_PATH):
    """The runs in progress, or None when the kernel has no runs file."""
    try:
        with open(runs_path, 'rb') as runs_file:
            data = runs_file.read()
    except FileNotFoundError:
        return None
    except PermissionError:
        raise RunsError('cannot read %s: permission denied; it is mode 0400 '
                        'root:root, so run the task as root (become: true)'
                        % runs_path)
    except OSError as err:
        raise RunsError('cannot read %s: %s' % (runs_path, err.strerror))
    try:
        return parse_runs(data.decode('utf-8', 'surrogateescape'))
    except ValueError as err:
        raise RunsError('%s does not follow the graceful-shutdown runs format: '
                        '%s' % (runs_path, err))
