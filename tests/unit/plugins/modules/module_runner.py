# -*- coding: utf-8 -*-
"""Run a module's main() in-process and return its result."""

from __future__ import annotations

import contextlib
import json
from unittest import mock

import pytest

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:
    # ansible-core < 2.19 has no helper: AnsibleModule reads its arguments
    # from basic._ANSIBLE_ARGS when that is set.
    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Expose args to AnsibleModule instances made within the context."""
        args = json.dumps(dict(ANSIBLE_MODULE_ARGS=args or {})).encode()
        with mock.patch.object(basic, '_ANSIBLE_ARGS', args):
            yield


class ModuleExit(Exception):
    """exit_json or fail_json was called; result holds what it returned."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result)
        self.result = result


def _exit_json(self, **result):
    result.setdefault('failed', False)
    raise ModuleExit(result)


def _fail_json(self, msg, **result):
    result['msg'] = msg
    result['failed'] = True
    raise ModuleExit(result)


def run(monkeypatch, main, args, check_mode=False, diff=False):
    """Call main() with args; return the result dict (failed or not)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)
    with patch_module_args(args):
        with pytest.raises(ModuleExit) as raised:
            main()
    return raised.value.result
