# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Check that a handler is safe for the kernel to run as root.

The kernel runs the handler as root when its process is chosen by the OOM
killer. A handler that anyone but root can change, directly or by swapping
a directory or symlink on its path, is a privilege escalation, so it is
refused before anything is written. The kernel applies the same rule when
registering (EACCES) and again just before the exec; checking here first
says what to fix, where the kernel can only give an errno.
"""

from __future__ import annotations

import os
import stat

MAX_PATH_BYTES = 1023


def path_problem(path):
    """Why the kernel would refuse this path text (EINVAL), or None."""
    raw = path.encode('utf-8', 'surrogateescape')
    if not raw:
        return 'the handler path is empty'
    if len(raw) > MAX_PATH_BYTES:
        return ('the handler path is %d bytes long; the kernel accepts at '
                'most %d' % (len(raw), MAX_PATH_BYTES))
    if not raw.startswith(b'/'):
        return ('the handler path %r is not absolute; give the full path, '
                'for example /usr/local/lib/oomgs/handlers/save-state' % path)
    # Bytes 0x00-0x20 and 0x7f: control characters and ASCII whitespace.
    if any(byte <= 0x20 or byte == 0x7f for byte in bytearray(raw)):
        return ('the handler path %r contains whitespace or control '
                'characters, which the kernel refuses; rename the file'
                % path)
    return None


def _mode_text(mode):
    return '0%o' % stat.S_IMODE(mode)


def _prefixes(path):
    """'/a/b/c' -> ['/', '/a', '/a/b'] (the directories leading to it)."""
    parts = [part for part in path.split('/') if part]
    return ['/'] + ['/' + '/'.join(parts[:count])
                    for count in range(1, len(parts))]


def _entry_problem(entry, described_as):
    """Why a directory or symlink on the path lets non-root swap the file."""
    try:
        info = os.lstat(entry)
    except OSError as err:
        return 'cannot inspect %s %s: %s' % (described_as, entry,
                                             err.strerror)
    if info.st_uid != 0:
        return ('%s %s is owned by uid %d, not root, so that user can '
                'replace the handler; chown root it or move the handler'
                % (described_as, entry, info.st_uid))
    if stat.S_ISLNK(info.st_mode):
        return None
    # A sticky directory (like /tmp) only lets owners rename their entries.
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and \
            not info.st_mode & stat.S_ISVTX:
        return ('%s %s is writable by group or others (mode %s), so they can '
                'replace the handler; chmod go-w it or move the handler'
                % (described_as, entry, _mode_text(info.st_mode)))
    return None


def file_problem(path):
    """Why the handler file is missing or unsafe to run as root, or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return 'the handler %s does not exist' % path
    except NotADirectoryError:
        return ('the handler %s does not exist (a component of the path is '
                'not a directory)' % path)
    except OSError as err:
        return 'cannot inspect the handler %s: %s' % (path, err.strerror)
    if not stat.S_ISREG(info.st_mode):
        return 'the handler %s is not a regular file' % path
    if not info.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
        return ('the handler %s is not executable (mode %s); chmod 0755 it'
                % (path, _mode_text(info.st_mode)))
    if info.st_uid != 0:
        return ('the handler %s is owned by uid %d, not root; the kernel runs '
                'it as root, so chown root:root it' % (path, info.st_uid))
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return ('the handler %s is writable by group or others (mode %s); the '
                'kernel runs it as root, so chmod go-w it'
                % (path, _mode_text(info.st_mode)))
    real = os.path.realpath(path)
    if os.path.islink(path):
        problem = _entry_problem(path, 'the symlink')
        if problem:
            return problem
    seen = set()
    for entry in _prefixes(path) + _prefixes(real):
        if entry in seen:
            continue
        seen.add(entry)
        problem = _entry_problem(entry, 'the directory' if
                                 not os.path.islink(entry) else 'the symlink')
        if problem:
            return problem
    return None


def handler_problem(path):
    """Everything checked before a handler is registered; None when fine."""
    return path_problem(path) or file_problem(path)
