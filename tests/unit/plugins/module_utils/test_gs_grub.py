# -*- coding: utf-8 -*-
"""gs_grub reads grub.cfg and grubenv the way GRUB resolves its default."""

from __future__ import annotations

import os

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_grub import (
    GrubError,
    default_setting,
    entry_for_release,
    flatten,
    parse_grubenv,
    parse_menu,
    resolve,
)

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'fixtures')
OURS = '6.1.119-oomgs'
STOCK = '6.1.0-28-amd64'
ADVANCED = 'gnulinux-advanced-0b1c'


@pytest.fixture(scope='module')
def cfg():
    with open(os.path.join(FIXTURES, 'grub-debian12.cfg')) as handle:
        return handle.read()


def test_entries_in_menu_order_with_submenu_paths(cfg):
    entries = flatten(parse_menu(cfg))
    assert [e['path'] for e in entries] == [
        'gnulinux-simple-0b1c',
        ADVANCED + '>gnulinux-6.1.119-oomgs-advanced-0b1c',
        ADVANCED + '>gnulinux-6.1.119-oomgs-recovery-0b1c',
        ADVANCED + '>gnulinux-6.1.0-28-amd64-advanced-0b1c',
        ADVANCED + '>gnulinux-6.1.0-28-amd64-recovery-0b1c',
        'oomgs-trial',
    ]
    assert [e['release'] for e in entries] == [OURS, OURS, OURS, STOCK, STOCK, OURS]
    assert entries[-1]['cmdline'].endswith('quiet panic=10')
    assert entries[3]['title'] == 'Debian GNU/Linux, with Linux 6.1.0-28-amd64'


def test_default_setting_skips_the_next_entry_branch(cfg):
    assert default_setting(cfg) == '${saved_entry}'
    assert default_setting(cfg.replace('"${saved_entry}"', '"0"')) == '0'
    assert default_setting('') == '0'


@pytest.mark.parametrize('value, path, release', [
    ('', 'gnulinux-simple-0b1c', OURS),
    ('0', 'gnulinux-simple-0b1c', OURS),
    ('1>2', ADVANCED + '>gnulinux-6.1.0-28-amd64-advanced-0b1c', STOCK),
    (ADVANCED + '>gnulinux-6.1.0-28-amd64-advanced-0b1c',
     ADVANCED + '>gnulinux-6.1.0-28-amd64-advanced-0b1c', STOCK),
    ('Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-28-amd64',
     ADVANCED + '>gnulinux-6.1.0-28-amd64-advanced-0b1c', STOCK),
    ('oomgs-trial', 'oomgs-trial', OURS),
])
def test_resolve_like_grub(cfg, value, path, release):
    entry = resolve(parse_menu(cfg), value)
    assert (entry['path'], entry['release']) == (path, release)


@pytest.mark.parametrize('value', [
    ADVANCED + '>gnulinux-5.10.0-9-amd64-advanced-0b1c',  # kernel removed
    ADVANCED,  # a submenu is not bootable
    '7',
    '1>9',
    'oomgs-trial>0',
])
def test_resolve_nothing(cfg, value):
    assert resolve(parse_menu(cfg), value) is None


def test_entry_for_release_is_stable_and_not_recovery_or_trial(cfg):
    entries = flatten(parse_menu(cfg))
    assert entry_for_release(entries, OURS)['path'] == \
        ADVANCED + '>gnulinux-6.1.119-oomgs-advanced-0b1c'
    assert entry_for_release(entries, STOCK)['path'] == \
        ADVANCED + '>gnulinux-6.1.0-28-amd64-advanced-0b1c'
    assert entry_for_release(entries, '5.4.1-oomgs') is None


def test_entry_for_release_without_submenu():
    cfg = ("menuentry 'Linux' $menuentry_id_option 'gnulinux-simple-x' {\n"
           "\tlinux /vmlinuz-5.4.1-oomgs root=/dev/vda1 ro\n}\n")
    entries = flatten(parse_menu(cfg))
    assert entry_for_release(entries, '5.4.1-oomgs')['path'] == 'gnulinux-simple-x'


def test_titles_with_quotes_and_entries_without_id():
    cfg = ("menuentry 'Bob'\\''s kernel' {\n"
           "\tlinux /boot/vmlinuz-6.1.0-bob ro\n}\n")
    entries = flatten(parse_menu(cfg))
    assert entries[0]['title'] == "Bob's kernel"
    assert entries[0]['id'] is None
    assert resolve(parse_menu(cfg), "Bob's kernel")['release'] == '6.1.0-bob'


@pytest.mark.parametrize('text', ['menuentry \'x\' {\n', '}\n'])
def test_unbalanced_braces(text):
    with pytest.raises(GrubError, match='unbalanced'):
        parse_menu(text)


def test_grubenv_skips_padding():
    block = ('# GRUB Environment Block\nsaved_entry=a>b\nnext_entry=\n'
             'x=y=z\n' + '#' * 900)
    assert parse_grubenv(block) == dict(saved_entry='a>b', next_entry='', x='y=z')
