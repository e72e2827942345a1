# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read what GRUB will boot: the menu entries of a generated grub.cfg, the
saved_entry/next_entry of grubenv, and which entry the default resolves to,
the way GRUB resolves it (index, id or title, "a>b" into submenus)."""

from __future__ import annotations

import re

from ansible.module_utils.common.text.converters import to_text

# The one-shot entry kernel_install's /etc/grub.d script emits for a trial.
TRIAL_ENTRY_ID = 'oomgs-trial'

_QUOTED = r"'((?:[^']|'\\'')*)'"
_BLOCK_START = re.compile(r'^\s*(menuentry|submenu)\s+' + _QUOTED + r'(.*)\{\s*$')
_ENTRY_ID = re.compile(r"\$menuentry_id_option\s+" + _QUOTED)
_LINUX = re.compile(r'^\s*linux(?:efi|16)?\s+(\S+)\s*(.*)$')
_DEFAULT = re.compile(r'^\s*set default="?([^"\s]*)"?\s*$')


class GrubError(Exception):
    """grub.cfg or grubenv cannot be read or understood."""


def _unquote(text):
    return text.replace("'\\''", "'")


def _release(kernel_path):
    name = kernel_path.rsplit('/', 1)[-1]
    return name.split('-', 1)[1] if name.startswith('vmlinuz-') else None


def parse_menu(text):
    """Top-level menu of grub.cfg as nested dicts: entries have title, id,
    kernel, release and cmdline; submenus have title, id and children."""
    root = dict(children=[])
    stack = [root]
    # Braces of function and other blocks nest too; None stands for them.
    for line in text.splitlines():
        stripped = line.strip()
        match = _BLOCK_START.match(line)
        if match:
            kind, title, rest = match.groups()
            id_match = _ENTRY_ID.search(rest)
            node = dict(title=_unquote(title),
                        id=_unquote(id_match.group(1)) if id_match else None)
            if kind == 'submenu':
                node['children'] = []
            else:
                node.update(kernel=None, release=None, cmdline='')
            parent = next(n for n in reversed(stack) if n is not None)
            parent['children'].append(node)
            stack.append(node)
        elif stripped.endswith('{'):
            stack.append(None)
        elif stripped == '}':
            if len(stack) == 1:
                raise GrubError('unbalanced braces in grub.cfg')
            stack.pop()
        else:
            linux = _LINUX.match(line)
            node = stack[-1]
            if linux and node is not None and 'kernel' in node:
                node['kernel'] = linux.group(1)
                node['release'] = _release(linux.group(1))
                node['cmdline'] = ' '.join(linux.group(2).split())
    if len(stack) != 1:
        raise GrubError('unbalanced braces in grub.cfg')
    return root['children']


def default_setting(text):
    """What grub.cfg sets "default" to when no next_entry is pending:
    "${saved_entry}" with GRUB_DEFAULT=saved, else an index, id or title."""
    settings = [m.group(1) for m in map(_DEFAULT.match, text.splitlines())
                if m and m.group(1) != '${next_entry}']
    return settings[-1] if settings else '0'


def flatten(menu, prefix=''):
    """Every boot entry with "path", the string grub-set-default takes."""
    entries = []
    for node in menu:
        key = node['id'] or node['title']
        path = prefix + key
        if 'children' in node:
            entries.extend(flatten(node['children'], path + '>'))
        else:
            entries.append(dict(node, path=path))
    return entries


def resolve(menu, value):
    """The entry (with its path) GRUB boots for a default of value, or None:
    each ">"-part is an index, an entry id or a title; empty means index 0."""
    nodes = menu
    keys = []
    node = None
    for part in value.split('>') if value else ['0']:
        if nodes is None:
            return None
        if part.isdigit():
            index = int(part)
            node = nodes[index] if index < len(nodes) else None
        else:
            node = next((n for n in nodes if part in (n['id'], n['title'])),
                        None)
        if node is None:
            return None
        keys.append(node['id'] or node['title'])
        nodes = node.get('children')
    if nodes is not None:
        return None
    return dict(node, path='>'.join(keys))


def parse_grubenv(text):
    """grubenv variables; the '#' padding of the 1 KiB block is skipped."""
    variables = {}
    for line in text.splitlines():
        if line.startswith('#') or '=' not in line:
            continue
        name, value = line.split('=', 1)
        variables[name] = value
    return variables


def entry_for_release(entries, release):
    """The stable entry that boots release normally: not recovery, not the
    trial entry; an id naming the release beats the "simple" entry, whose
    kernel changes with every install."""
    candidates = [e for e in entries
                  if e['release'] == release
                  and not (e['id'] or '').startswith(TRIAL_ENTRY_ID)
                  and 'recovery' not in (e['id'] or '')
                  and 'single' not in e['cmdline'].split()]
    candidates.sort(key=lambda e: release not in (e['id'] or ''))
    return candidates[0] if candidates else None


def read_text(path, missing_ok=False):
    """A file's text; GrubError when it cannot be read (missing_ok: '')."""
    try:
        with open(path, 'rb') as handle:
            return to_text(handle.read(), errors='surrogate_or_replace')
    except FileNotFoundError:
        if missing_ok:
            return ''
        raise GrubError('%s does not exist: is GRUB 2 the boot loader and '
                        'has update-grub run?' % path)
    except OSError as err:
        raise GrubError('cannot read %s: %s' % (path, err.strerror))


def describe(cfg_text, env_text, releases, with_menu=False):
    """What gs_grub_info returns: entries, saved_entry, next_entry, default
    and release_entries (with_menu: also the parsed menu, for resolve)."""
    menu = parse_menu(cfg_text)
    entries = flatten(menu)
    env = parse_grubenv(env_text)
    setting = default_setting(cfg_text)
    value = setting.replace('${saved_entry}', env.get('saved_entry', ''))
    target = resolve(menu, value)
    # An unresolvable default makes GRUB fall back to the first entry.
    booted = target or resolve(menu, '0')
    by_release = {}
    for release in releases:
        entry = entry_for_release(entries, release)
        by_release[release] = entry['path'] if entry else None
    public = ('path', 'id', 'title', 'release', 'cmdline')
    result = dict(
        entries=[{k: e[k] for k in public} for e in entries],
        saved_entry=env.get('saved_entry', ''),
        next_entry=env.get('next_entry', ''),
        default=dict(setting=setting, value=value,
                     path=target['path'] if target else None,
                     release=booted['release'] if booted else None),
        release_entries=by_release,
    )
    if with_menu:
        result['menu'] = menu
    return result
