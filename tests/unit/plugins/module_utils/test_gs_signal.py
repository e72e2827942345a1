# -*- coding: utf-8 -*-
"""The signal a registration asks for: names and numbers to the number the
kernel takes, and the ones it refuses said before any write."""

from __future__ import annotations

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_signal import (
    signal_name,
    signal_number,
)


@pytest.mark.parametrize('value', ['TERM', 'SIGTERM', 'term', 'sigterm',
                                   'SigTerm', 15, '15', ' TERM '])
def test_every_spelling_of_sigterm_is_15(value):
    assert signal_number(value) == 15


@pytest.mark.parametrize('value, number', [
    ('HUP', 1), ('INT', 2), ('USR1', 10), ('usr2', 12), ('SIGPWR', 30),
    (1, 1), (64, 64), ('40', 40),
])
def test_names_and_numbers(value, number):
    assert signal_number(value) == number


def test_no_signal_is_none():
    assert signal_number(None) is None


@pytest.mark.parametrize('value, words', [
    ('KILL', "signal 'KILL' is SIGKILL (9), which the kernel refuses: it "
             "cannot be caught"),
    ('sigkill', 'is SIGKILL (9)'),
    (9, 'signal 9 is SIGKILL (9)'),
    # As ansible-core < 2.19 hands a templated int to the module.
    ('9', 'signal 9 is SIGKILL (9)'),
    (' 65', 'signal 65 is out of range'),
    ('STOP', 'is SIGSTOP (19), which the kernel refuses: it cannot be caught: '
             'the process would stop'),
    (19, 'is SIGSTOP (19)'),
    (0, 'out of range: the kernel takes 1 to 64'),
    (65, 'out of range'),
    ('FOO', "signal 'FOO' is not a signal name or number"),
    ('', 'is not a signal name or number'),
    ('-15', 'is not a signal name or number'),
    ('SIG', 'is not a signal name or number'),
    ('TERM15', 'is not a signal name or number'),
    (True, 'is not a signal name or number'),
    (15.0, 'is not a signal name or number'),
    ([15], 'is not a signal name or number'),
])
def test_refused_signals_say_why_and_what_to_give(value, words):
    with pytest.raises(ValueError) as raised:
        signal_number(value)
    assert words in str(raised.value)
    assert 'such as TERM (SIGTERM, 15)' in str(raised.value)


def test_signal_names():
    assert signal_name(15) == 'SIGTERM'
    assert signal_name(40) == 'signal 40'
