"""What the lab's VMs must give the roles, checked on every molecule VM.

These hold for the oomgs/debian12 box (lab/box/build-box.sh); the GRUB
checks are skipped on other boxes (GS_LAB_BOX).
"""

import os

import pytest

OWN_BOX = os.environ.get("GS_LAB_BOX", "oomgs/debian12").startswith("oomgs/")


def test_passwordless_sudo(host):
    with host.sudo():
        assert host.check_output("id -u") == "0"


def test_python_for_ansible(host):
    assert host.run("/usr/bin/python3 -c 'import apt'").rc == 0


def test_network_has_an_address(host):
    assert host.interface.default().addresses


@pytest.mark.skipif(not OWN_BOX, reason="GRUB layout of the oomgs box only")
def test_serial_console_on_the_kernel_command_line(host):
    cmdline = host.file("/proc/cmdline").content_string.split()
    assert "console=ttyS0,115200" in cmdline


@pytest.mark.skipif(not OWN_BOX, reason="GRUB layout of the oomgs box only")
def test_grub_can_be_managed_in_the_guest(host):
    with host.sudo():
        assert host.file("/boot/grub/i386-pc/core.img").exists
        assert host.file("/boot/grub/grubenv").exists
        selections = host.check_output("debconf-show grub-pc")
        assert "* grub-pc/install_devices: /dev/vda" in selections
        # What kernel_install relies on: update-grub finds the kernel.
        out = host.run("grub-mkconfig -o /dev/null 2>&1")
        assert out.rc == 0, out.stdout
        assert "Found linux image" in out.stdout
