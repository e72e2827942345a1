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
    """The controller's manifest of the build the host runs (its release
    names the build; kernel_install's record of it gives the key)."""
    release = root.check_output("uname -r")
    found = root.check_output("grep -l -F '\"release\": \"%s\"' /var/lib/oomgs/builds/*.json" % release).split()
    assert len(found) == 1, f"no single build record for {release}: {found}"
    key = os.path.basename(found[0])[:-len(".json")]
    path = os.path.join(ARTIFACT_ROOT, key, "manifest.json")
    assert os.path.isfile(path), f"no build {key} on the controller ({path})"
    with open(path, encoding="utf-8") as manifest:
        return json.load(manifest)
