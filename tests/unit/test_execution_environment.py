# -*- coding: utf-8 -*-
"""What ansible-builder reads from the collection and the shipped examples
stay consistent: meta/execution-environment.yml names files that exist and
reach the artifact (not build_ignore'd), the example execution environment
installs the version galaxy.yml builds, and the example ansible.cfg parses."""

from __future__ import annotations

import configparser
import fnmatch
import os

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(path):
    with open(os.path.join(TOP, path), encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def test_collection_ee_metadata_names_shipped_files():
    meta = load('meta/execution-environment.yml')
    ignore = load('galaxy.yml')['build_ignore']
    deps = meta['dependencies']
    assert set(deps) == {'python', 'system'}
    for path in deps.values():
        # ansible-builder refuses absolute paths: relative to the collection.
        assert not os.path.isabs(path)
        assert os.path.isfile(os.path.join(TOP, path)), path
        top_level = path.split('/')[0]
        assert not any(fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(top_level, pat) for pat in ignore), path


def test_collection_ee_bindep_lines_name_a_platform():
    with open(os.path.join(TOP, 'meta/ee-bindep.txt'), encoding='utf-8') as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    assert lines
    # Every package is for rpm (what ansible-builder installs with) or dpkg.
    assert all(line.endswith(('[platform:rpm]', '[platform:dpkg]')) for line in lines), lines


def test_example_ee_installs_the_version_galaxy_builds():
    ee = load('examples/execution-environment/execution-environment.yml')
    galaxy = load('galaxy.yml')
    assert ee['version'] == 3
    tarball = 'oomgs-graceful_shutdown-%s.tar.gz' % galaxy['version']
    assert ee['dependencies']['galaxy'] == 'requirements.yml'
    requirements = load('examples/execution-environment/requirements.yml')
    names = [c['name'] for c in requirements['collections']]
    assert names == ['/build/collections/' + tarball]
    assert [f['dest'] for f in ee['additional_build_files']] == ['collections']


def test_example_ansible_cfg_parses():
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(TOP, 'examples/ansible.cfg'))
    assert config.getboolean('ssh_connection', 'pipelining')
    assert config.get('defaults', 'strategy') == 'linear'
    assert 'ControlPersist' in config.get('ssh_connection', 'ssh_args')
