"""The running kernel is the one kernel_build made, chosen by GRUB for good."""

import json
import re

import pytest

from lab_helpers import PROC, RUNS


def test_running_kernel_is_the_built_one(root, build):
    assert root.check_output("uname -r") == build["release"]
    # Each build has a release of its own: <version>-oomgs-<key[:8]>.
    assert build["release"] == f"{build['version']}-oomgs-{build['key'][:8]}"
    installed = root.check_output(
        f"dpkg-query --show --showformat='${{Version}}' linux-image-{build['release']}"
    )
    assert installed == build["package_version"]
    # Set by the kernel_build role's build script, so a stock kernel can't pass.
    assert "(oomgs@kernel-build)" in root.file("/proc/version").content_string


def test_grub_saved_default_is_the_built_kernel(root, build):
    saved = root.check_output("grub-editenv list")
    entry = re.search(r"^saved_entry=(.*)$", saved, re.M)
    assert entry, saved
    assert re.fullmatch(
        r"(gnulinux-advanced-[^>]+>)?gnulinux-" + re.escape(build["release"]) + r"-advanced-.+",
        entry.group(1),
    )
    dropin = root.file("/etc/default/grub.d/99-oomgs-graceful-shutdown.cfg")
    assert dropin.exists and dropin.user == "root" and dropin.mode == 0o644
    assert "GRUB_DEFAULT=saved" in dropin.content_string
    assert 'set default="${saved_entry}"' in root.file("/boot/grub/grub.cfg").content_string


def test_trial_left_nothing_behind_but_the_way_back(root, build):
    env = root.check_output("grub-editenv list")
    assert not re.search(r"^next_entry=.+", env, re.M), "a one-shot entry is still pending"
    assert "oomgs-trial" not in root.file("/boot/grub/grub.cfg").content_string
    assert not root.file("/etc/default/oomgs-trial").exists
    assert not root.file("/var/lib/oomgs/trial-pending.json").exists
    assert root.file("/etc/grub.d/42_oomgs_trial").mode == 0o755
    assert not root.file(f"/var/lib/oomgs/failed-trials/{build['key']}").exists
    # The kernel the trial replaced, for gs_kernel_rollback: the box's own.
    back = json.loads(root.file("/var/lib/oomgs/rollback.json").content_string)
    assert back["replaced_by"] == build["release"]
    assert back["release"] != build["release"]
    assert root.file(f"/boot/vmlinuz-{back['release']}").exists
    assert back["release"] in back["entry"]


def test_cmdline_has_the_memory_cgroup_options(root):
    words = root.file("/proc/cmdline").content_string.split()
    assert "cgroup_enable=memory" in words
    assert "swapaccount=1" in words
    # Added once, however often update-grub ran.
    assert words.count("cgroup_enable=memory") == 1


def test_proc_graceful_shutdown(root):
    proc = root.file(PROC)
    assert proc.exists
    assert proc.mode == 0o600
    assert proc.user == "root" and proc.group == "root"


def test_proc_graceful_shutdown_runs(root):
    """The runs in progress: read-only, root's (kernel interface v2)."""
    runs = root.file(RUNS)
    assert runs.exists
    assert runs.mode == 0o400
    assert runs.user == "root" and runs.group == "root"


@pytest.mark.parametrize(
    "name",
    [
        "graceful_shutdown_timeout_ms",
        "graceful_shutdown_max_entries",
        "graceful_shutdown_budget_kb",
        "graceful_shutdown_global_wait_ms",
    ],
)
def test_sysctls_exist(root, name):
    assert root.file(f"/proc/sys/vm/{name}").exists


@pytest.mark.parametrize(
    "name, over",
    [
        ("graceful_shutdown_timeout_ms", 60001),
        ("graceful_shutdown_budget_kb", 262145),
        ("graceful_shutdown_global_wait_ms", 10001),
    ],
)
def test_sysctls_refuse_more_than_their_bound(root, name, over):
    """A value over the bound is refused and the setting stays as it was."""
    path = f"/proc/sys/vm/{name}"
    before = root.file(path).content_string
    assert root.run(f"echo {over} > {path}").rc != 0
    assert root.file(path).content_string == before
