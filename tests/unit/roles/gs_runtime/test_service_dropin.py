# -*- coding: utf-8 -*-
"""The per-service drop-in registers the main process with its handler and,
when the item asks for one, its signal."""

from __future__ import annotations

import pytest

from gs_templates import render

HELPER = '/usr/local/lib/oomgs/gs-register-pid'


@pytest.mark.parametrize('item, line', [
    (dict(name='a.service', handler='/h'),
     'ExecStartPost=+%s ${MAINPID} /h' % HELPER),
    (dict(name='a.service', handler='/h', signal=None),
     'ExecStartPost=+%s ${MAINPID} /h' % HELPER),
    (dict(name='a.service', handler='/h', signal='TERM'),
     'ExecStartPost=+%s ${MAINPID} /h TERM' % HELPER),
    (dict(name='a.service', handler='/h', signal=15),
     'ExecStartPost=+%s ${MAINPID} /h 15' % HELPER),
])
def test_exec_start_post(item, line):
    text = render('service-dropin.conf.j2', item=item)
    assert [row for row in text.splitlines()
            if row.startswith('ExecStartPost=')] == [line]
    assert 'Slice=' not in text


def test_slice():
    text = render('service-dropin.conf.j2',
                  item=dict(name='a.service', handler='/h', slice=True))
    assert 'Slice=gs-memlimit.slice\n' in text
