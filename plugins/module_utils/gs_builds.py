# -*- coding: utf-8 -*-
# Copyright: (c) 2026, oomgs maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The graceful-shutdown kernel builds installed on a host, as kernel_install
records them (<state_dir>/builds/<key>.json), and which of them a keep policy
removes."""

from __future__ import annotations

import json
import os
import re

_KEY = re.compile(r'^[0-9a-f]{8,64}$')


class BuildsError(Exception):
    """A build record cannot be read or understood."""


def read_records(builds_dir):
    """Every build record, as dicts with key, release, package, installed."""
    try:
        names = sorted(os.listdir(builds_dir))
    except FileNotFoundError:
        return []
    except OSError as err:
        raise BuildsError('cannot list %s: %s' % (builds_dir, err.strerror))
    records = []
    for name in names:
        key, ext = os.path.splitext(name)
        if ext != '.json' or not _KEY.match(key):
            continue
        path = os.path.join(builds_dir, name)
        try:
            with open(path, encoding='utf-8') as handle:
                record = json.load(handle)
        except (OSError, ValueError) as err:
            raise BuildsError('cannot read the build record %s: %s' % (path, err))
        missing = [f for f in ('key', 'release', 'package', 'installed') if not record.get(f)]
        if missing or record['key'] != key:
            raise BuildsError('the build record %s lacks %s or names another key'
                              % (path, ', '.join(missing) or 'nothing'))
        records.append({f: record[f] for f in ('key', 'release', 'package', 'installed')})
    return records


def select_prune(records, keep, protected_releases, failed_keys):
    """Split records into (kept, pruned), both newest first.

    Kept: every build whose release is protected (running, GRUB's saved
    default, the rollback target), then the newest builds that did not fail
    their trial on this host, until `keep` builds are kept. Everything else
    is pruned, failed builds first in line. keep must be at least 1.
    """
    if keep < 1:
        raise ValueError('keep must be at least 1')
    newest = sorted(records, key=lambda r: (r['installed'], r['key']), reverse=True)
    protected = set(protected_releases)
    kept = [r for r in newest if r['release'] in protected]
    for record in newest:
        if len(kept) >= keep:
            break
        if record not in kept and record['key'] not in failed_keys:
            kept.append(record)
    kept_keys = set(r['key'] for r in kept)
    return ([r for r in newest if r['key'] in kept_keys],
            [r for r in newest if r['key'] not in kept_keys])
