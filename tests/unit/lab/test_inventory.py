"""lab/inventory.py: `vagrant ssh-config` output to Ansible/molecule form."""

import importlib.util
import json
import pathlib

import yaml

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "lab" / "inventory.py"
spec = importlib.util.spec_from_file_location("lab_inventory", SCRIPT)
inventory = importlib.util.module_from_spec(spec)
spec.loader.exec_module(inventory)

SSH_CONFIG = """\
Host gs-node2
  HostName 192.168.122.156
  User vagrant
  Port 22
  UserKnownHostsFile /dev/null
  IdentityFile "/var/cache/oomgs/boxes/vagrant ed25519"
  IdentitiesOnly yes

Host gs-node1
  HostName 192.168.122.230
  User vagrant
  Port 2222
  IdentityFile /var/cache/oomgs/boxes/vagrant_ed25519
"""


def test_parse_keeps_each_host_block_apart():
    hosts = inventory.parse_ssh_config(SSH_CONFIG)
    assert sorted(hosts) == ["gs-node1", "gs-node2"]
    assert hosts["gs-node1"]["port"] == "2222"
    assert hosts["gs-node2"]["identityfile"] == "/var/cache/oomgs/boxes/vagrant ed25519"


def test_inventory_puts_hosts_in_the_group_with_connection_vars():
    data = yaml.safe_load(
        inventory.render(inventory.parse_ssh_config(SSH_CONFIG), "gs_fleet")
    )
    hosts = data["all"]["children"]["gs_fleet"]["hosts"]
    assert hosts["gs-node1"] == {
        "ansible_host": "192.168.122.230",
        "ansible_port": 2222,
        "ansible_user": "vagrant",
        "ansible_ssh_private_key_file": "/var/cache/oomgs/boxes/vagrant_ed25519",
    }
    assert data["all"]["vars"]["ansible_python_interpreter"] == "/usr/bin/python3"
    assert "StrictHostKeyChecking=no" in data["all"]["vars"]["ansible_ssh_common_args"]
    assert data["all"]["vars"]["ansible_pipelining"] is True


def test_molecule_instance_config():
    instances = json.loads(
        inventory.render_molecule(inventory.parse_ssh_config(SSH_CONFIG))
    )
    assert [i["instance"] for i in instances] == ["gs-node1", "gs-node2"]
    assert instances[1] == {
        "instance": "gs-node2",
        "address": "192.168.122.156",
        "user": "vagrant",
        "port": 22,
        "identity_file": "/var/cache/oomgs/boxes/vagrant ed25519",
    }
