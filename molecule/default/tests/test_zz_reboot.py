"""Run last: the choices made by the roles survive another reboot."""

from lab_helpers import PROC


def test_survives_a_reboot(root, build):
    saved_before = root.check_output("grub-editenv list")
    root.ansible("ansible.builtin.reboot", "reboot_timeout=1200 connect_timeout=20", check=False, become=True)
    assert root.check_output("uname -r") == build["release"]
    assert root.check_output("grub-editenv list") == saved_before
    assert root.file(PROC).exists
    assert root.service("gs-memlimit.slice").is_running
    words = root.file("/proc/cmdline").content_string.split()
    assert "cgroup_enable=memory" in words and "swapaccount=1" in words
