# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The signal a registration asks the kernel to send its victim at an OOM.

Given as a name (TERM, SIGTERM, in any case) or a number (15, "15"); the
kernel takes the number, 1 to 64, and refuses SIGKILL and SIGSTOP (EINVAL):
neither lets the victim save anything and exit by itself. Names are this
host's, from Python's signal module, the numbering the kernel uses here.
"""

from __future__ import annotations

import signal

MAX_SIGNAL = 64
UNCATCHABLE = {
    int(signal.SIGKILL): 'it cannot be caught: the process would die at once '
                         'instead of saving its state',
    int(signal.SIGSTOP): 'it cannot be caught: the process would stop instead '
                         'of saving its state and exiting',
}
_HINT = ('give a signal the program handles to shut down, such as TERM '
         '(SIGTERM, 15)')


def _names():
    """{'TERM': 15, ...}: this host's signal names, without SIG."""
    names = {}
    for name, member in signal.Signals.__members__.items():
        if name.startswith('SIG') and not name.startswith('SIG_'):
            names[name[3:]] = int(member)
    return names


def signal_name(number):
    """'SIGTERM' for 15; 'signal 40' for a number without a name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return 'signal %d' % number


def signal_number(value):
    """The number the kernel takes for value; ValueError says why not.

    None stays None (no signal). Accepts an int, or a decimal or a name,
    with or without SIG, in any case.
    """
    if value is None:
        return None
    # YAML's yes/true is not a signal, though bool is an int in Python.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError('signal %r is not a signal name or number; %s'
                         % (value, _HINT))
    text = str(value).strip()
    if text.isdigit():
        number = int(text)
        # A decimal is told as the number it is, whether the task gave an
        # int or the string ansible-core < 2.19 makes of a templated one.
        value = number
    else:
        name = text.upper()
        if name.startswith('SIG'):
            name = name[3:]
        number = _names().get(name)
        if number is None:
            raise ValueError('signal %r is not a signal name or number; %s'
                             % (value, _HINT))
    if not 0 < number <= MAX_SIGNAL:
        raise ValueError('signal %r is out of range: the kernel takes 1 to '
                         '%d; %s' % (value, MAX_SIGNAL, _HINT))
    if number in UNCATCHABLE:
        raise ValueError('signal %r is %s (%d), which the kernel refuses: %s; '
                         '%s' % (value, signal_name(number), number,
                                 UNCATCHABLE[number], _HINT))
    return number
