"""Fixtures for the testinfra checks of the lab fleet."""

import json
import os

import pytest

ARTIFACT_ROOT = os.environ.get("OOMGS_ARTIFACT_ROOT", "/var/cache/oomgs/kernels")


@pytest.fixture()
def root(host):
    """The host, with every command and module run as root."""
    with host.sudo():
        yield host


@pytest.fixture()
def build(root):
    """The controller's manifest of the build the host says it verified."""
    key = root.file("/var/lib/oomgs/booted-kernel-build").content_string.strip()
    path = os.path.join(ARTIFACT_ROOT, key, "manifest.json")
    assert os.path.isfile(path), f"no build {key} on the controller ({path})"
    with open(path, encoding="utf-8") as manifest:
        return json.load(manifest)
