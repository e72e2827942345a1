"""Fixtures for the rollback scenario: what converge.yml recorded per phase."""

import json
import os

import pytest

STATE = os.path.join(os.environ.get("MOLECULE_PROJECT_DIRECTORY", "."), "build", "molecule", "rollback")


@pytest.fixture(scope="session")
def phases():
    with open(os.path.join(STATE, "phases.json"), encoding="utf-8") as recorded:
        return json.load(recorded)


@pytest.fixture(scope="session")
def log():
    """The output of one of converge.yml's nested ansible-playbook runs."""
    def read(name):
        with open(os.path.join(STATE, name + ".log"), encoding="utf-8") as output:
            return output.read()
    return read


@pytest.fixture()
def root(host):
    with host.sudo():
        yield host
