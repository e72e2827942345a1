# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action gs_build_wait: follow an async job (the kernel build) until it
ends, printing one progress line every interval, as one task: no retry
lines, no include per poll."""

from __future__ import annotations

import shlex
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('jid', 'progress', 'interval', 'timeout', 'label', 'poll'))

    def _progress(self, argv):
        if not argv:
            return ''
        found = self._low_level_execute_command(' '.join(shlex.quote(a) for a in argv))
        return (found.get('stdout') or '').strip()

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self._task.args
        jid = args.get('jid')
        if not jid:
            result.update(failed=True, msg='gs_build_wait needs jid')
            return result
        argv = list(args.get('progress') or [])
        interval = max(1, int(args.get('interval', 60)))
        timeout = int(args.get('timeout', 14400))
        poll = max(1, min(int(args.get('poll', 10)), interval))
        label = args.get('label', jid)
        async_dir = self._remote_expand_user(self.get_shell_option('async_dir', default='~/.ansible_async'))
        start = time.time()
        reported = start
        progress = ''
        while True:
            status = self._execute_module(module_name='ansible.legacy.async_status',
                                          module_args=dict(jid=jid, mode='status', _async_dir=async_dir),
                                          task_vars=task_vars)
            if status.get('finished') or status.get('failed') and 'finished' not in status:
                break
            now = time.time()
            if now - start > timeout:
                result.update(failed=True, msg='%s: still running after %d s' % (label, timeout))
                return result
            if now - reported >= interval:
                progress = self._progress(argv) or progress
                display.display('  %s: %s' % (label, progress))
                reported = now
            time.sleep(poll)
        progress = self._progress(argv) or progress
        # job_rc, not rc: a non-zero rc would fail this task itself ("Unknown
        # error"), before the role can show the end of the build log.
        result.update(changed=False, finished=bool(status.get('finished')), job_rc=status.get('rc'),
                      progress=progress, elapsed=int(time.time() - start))
        if status.get('failed') and 'finished' not in status:
            result.update(failed=True, msg=status.get('msg', 'async_status failed'))
        return result
