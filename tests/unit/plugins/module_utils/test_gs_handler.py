# -*- coding: utf-8 -*-
"""Handler checks: the kernel runs it as root, so only root may change it."""

from __future__ import annotations

import os

import pytest

from ansible_collections.oomgs.graceful_shutdown.plugins.module_utils.gs_handler import (
    file_problem,
    handler_problem,
    path_problem,
)

NOBODY = 65534


@pytest.mark.parametrize('path, words', [
    ('', 'empty'),
    ('bin/handler', 'not absolute'),
    ('/opt/my handler', 'whitespace or control'),
    ('/opt/tab\there', 'whitespace or control'),
    ('/opt/bell\x07', 'whitespace or control'),
    ('/' + 'a' * 1023, '1024 bytes long'),
])
def test_path_text_the_kernel_would_refuse(path, words):
    assert words in path_problem(path)


def test_path_text_accepted():
    assert path_problem('/' + 'a' * 1022) is None
    assert path_problem('/usr/local/lib/oomgs/handlers/save-state') is None
    assert path_problem('/opt/h\u00e9') is None


def test_safe_handler_passes(handler):
    assert handler_problem(handler) is None


def test_missing_handler(tmp_path):
    assert 'does not exist' in file_problem(str(tmp_path / 'nothing'))


def test_directory_is_not_a_handler(tmp_path):
    assert 'not a regular file' in file_problem(str(tmp_path))


def test_non_executable_handler(handler):
    os.chmod(handler, 0o644)
    assert 'not executable (mode 0644)' in file_problem(handler)


def test_handler_owned_by_another_user(handler):
    os.chown(handler, NOBODY, -1)
    assert 'owned by uid %d' % NOBODY in file_problem(handler)


@pytest.mark.parametrize('mode', [0o775, 0o757])
def test_handler_writable_by_group_or_others(handler, mode):
    os.chmod(handler, mode)
    assert 'writable by group or others' in file_problem(handler)


def test_directory_others_can_write(handler):
    os.chmod(os.path.dirname(handler), 0o777)
    assert 'the directory %s is writable' % os.path.dirname(handler) in \
        file_problem(handler)


def test_directory_owned_by_another_user(handler):
    os.chown(os.path.dirname(handler), NOBODY, -1)
    assert 'owned by uid %d' % NOBODY in file_problem(handler)


def test_sticky_directory_is_safe_for_root_owned_entries(handler):
    os.chmod(os.path.dirname(handler), 0o1777)
    assert file_problem(handler) is None


def test_root_owned_symlink_to_safe_handler(handler, tmp_path):
    link = tmp_path / 'link'
    link.symlink_to(handler)
    assert file_problem(str(link)) is None


def test_symlink_owned_by_another_user(handler, tmp_path):
    link = tmp_path / 'link'
    link.symlink_to(handler)
    os.lchown(str(link), NOBODY, -1)
    assert 'the symlink %s is owned by uid' % link in file_problem(str(link))


def test_symlink_into_unsafe_directory(handler, tmp_path):
    os.chmod(os.path.dirname(handler), 0o777)
    link = tmp_path / 'link'
    link.symlink_to(handler)
    assert 'is writable by group or others' in file_problem(str(link))
