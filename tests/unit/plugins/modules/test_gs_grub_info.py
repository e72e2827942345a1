# -*- coding: utf-8 -*-
"""gs_grub_info reports what GRUB boots by default and for a release."""

from __future__ import annotations

import os
import shutil

from ansible_collections.oomgs.graceful_shutdown.plugins.modules.gs_grub_info import main
from module_runner import run

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'fixtures')
STOCK_ENTRY = 'gnulinux-advanced-0b1c>gnulinux-6.1.0-28-amd64-advanced-0b1c'


def grub_files(tmp_path, env=None):
    cfg = tmp_path / 'grub.cfg'
    shutil.copy(os.path.join(FIXTURES, 'grub-debian12.cfg'), str(cfg))
    grubenv = tmp_path / 'grubenv'
    if env is not None:
        grubenv.write_text('# GRUB Environment Block\n%s\n%s' % (env, '#' * 500))
    return dict(grub_cfg=str(cfg), grubenv=str(grubenv))


def test_saved_default_and_release_entries(monkeypatch, tmp_path):
    args = dict(grub_files(tmp_path, 'saved_entry=%s\nnext_entry=oomgs-trial' % STOCK_ENTRY),
                releases=['6.1.0-28-amd64', '9.9.9'])
    result = run(monkeypatch, main, args, check_mode=True)
    assert not result['changed'] and not result['failed']
    assert result['saved_entry'] == STOCK_ENTRY
    assert result['next_entry'] == 'oomgs-trial'
    assert result['default'] == dict(setting='${saved_entry}', value=STOCK_ENTRY,
                                     path=STOCK_ENTRY, release='6.1.0-28-amd64')
    assert result['release_entries'] == {'6.1.0-28-amd64': STOCK_ENTRY, '9.9.9': None}
    assert len(result['entries']) == 6


def test_no_grubenv_boots_the_first_entry(monkeypatch, tmp_path):
    result = run(monkeypatch, main, grub_files(tmp_path))
    assert result['saved_entry'] == '' and result['next_entry'] == ''
    assert result['default']['path'] == 'gnulinux-simple-0b1c'
    assert result['default']['release'] == '6.1.119-oomgs'


def test_stale_saved_entry_falls_back_to_the_first(monkeypatch, tmp_path):
    result = run(monkeypatch, main, grub_files(tmp_path, 'saved_entry=gone'))
    assert result['default']['path'] is None
    assert result['default']['release'] == '6.1.119-oomgs'


def test_missing_grub_cfg_is_a_clear_error(monkeypatch, tmp_path):
    result = run(monkeypatch, main, dict(grub_cfg=str(tmp_path / 'none')))
    assert result['failed']
    assert 'does not exist: is GRUB 2 the boot loader' in result['msg']
