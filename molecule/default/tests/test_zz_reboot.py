"""Run last: the choices made by the roles survive another reboot."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import testinfra

from lab_helpers import PROC

BOOT_ID = "/proc/sys/kernel/random/boot_id"


def fleet(option):
    """The hosts the testinfra plugin made for this run (its cached objects)."""
    return testinfra.get_hosts(
        option.hosts.split(",") if option.hosts else [None],
        connection=option.connection,
        ssh_config=option.ssh_config,
        ssh_identity_file=option.ssh_identity_file,
        sudo=option.sudo,
        sudo_user=option.sudo_user,
        ansible_inventory=option.ansible_inventory,
        force_ansible=option.force_ansible,
    )


def reboot(host):
    """Reboot one host; return what it showed before and what reboot said."""
    with host.sudo():
        before = {
            "boot_id": host.file(BOOT_ID).content_string.strip(),
            "grubenv": host.check_output("grub-editenv list"),
        }
        result = host.ansible("ansible.builtin.reboot", "reboot_timeout=1200 connect_timeout=20",
                              check=False, become=True)
    return before, result


@pytest.fixture(scope="module")
def rebooted(request):
    """Every host rebooted at once: a TCG guest's boot takes 90 s, in turn it took twice that."""
    hosts = fleet(request.config.option)
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        outcomes = pool.map(reboot, hosts)
        return dict(zip((h.backend.get_pytest_id() for h in hosts), outcomes))


def test_survives_a_reboot(root, build, rebooted):
    before, result = rebooted[root.backend.get_pytest_id()]
    assert result.get("rebooted") and not result.get("failed"), result
    assert root.file(BOOT_ID).content_string.strip() != before["boot_id"]
    assert root.check_output("uname -r") == build["release"]
    assert root.check_output("grub-editenv list") == before["grubenv"]
    assert root.file(PROC).exists
    assert root.service("gs-memlimit.slice").is_running
    words = root.file("/proc/cmdline").content_string.split()
    assert "cgroup_enable=memory" in words and "swapaccount=1" in words
