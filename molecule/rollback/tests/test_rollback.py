"""Every build of one upstream release installs beside the others, so a host
always has the build it ran before to fall back to: a build that panics, one
that hangs and one that fails its health check all leave the host on it, and
are not tried again. Also: the rollout as a controller user who is not root,
--limit without the build host, and gs_kernel_rollback.

Each test reads what converge.yml saw after each phase (phases.json, one
snapshot per host) and the output of its ansible-playbook runs."""

import os
import re

import yaml

FIRST, SECOND = "gs-node1", "gs-node2"
OURS = re.compile(r"-oomgs-[0-9a-f]{8}$")


def phase_vars(name):
    """The extra vars of a phase's builds (vars/<name>.yml)."""
    path = os.path.join(os.path.dirname(__file__), os.pardir, "vars", name + ".yml")
    with open(path, encoding="utf-8") as found:
        return yaml.safe_load(found)


def snap(phases, host, phase):
    return phases["hosts"][host][phase]


def failure(log, name, host):
    """The host's last failure in a run: the role's own message (a task the
    role rescues, like the reboot that timed out, fails before it)."""
    output = log(name)
    found = re.findall(r"fatal: \[%s\]: FAILED! => .*" % re.escape(host), output)
    assert found, output[-3000:]
    return found[-1]


def new_image(phases, host, before, after):
    added = sorted(set(snap(phases, host, after)["images"]) - set(snap(phases, host, before)["images"]))
    assert len(added) == 1, f"expected one new kernel image on {host}: {added}"
    return added[0][len("linux-image-"):]


def test_good_build_rolls_out_to_both(phases):
    assert phases["rc"]["good-rollout"] == 0
    releases = set()
    for host in (FIRST, SECOND):
        after = snap(phases, host, "after_good")
        assert OURS.search(after["release"]), host
        assert after["default_release"] == after["release"], host
        assert after["saved_entry"] == after["release_entry"], host
        assert "oomgs-trial" not in after["entry_ids"], host
        releases.add(after["release"])
    assert len(releases) == 1


def test_the_controller_user_needed_no_root_for_the_artifacts(phases):
    run = phases["user_run"]
    assert run["root_owned_in_home"] == [], "root-owned files in the user's home"
    assert "last-build.json" in run["store_files"] and "manifest.json" in run["store_files"]
    assert run["store_owners"] == ["oomgs-ctl"]


def test_unbootable_rebuild_of_the_same_release_installs_beside_the_good_one(phases):
    good = snap(phases, FIRST, "after_good")["release"]
    bad = new_image(phases, FIRST, "after_good", "after_unbootable")
    assert bad != good and bad.split("-oomgs-")[0] == good.split("-oomgs-")[0]
    assert "linux-image-" + good in snap(phases, FIRST, "after_unbootable")["images"]


def test_limit_without_the_build_host_installs_the_last_published_build(phases, log):
    output = log("unbootable-rollout")
    assert "Installing the last build published on this controller" in output
    assert not re.search(r"^(ok|changed): \[localhost\]", output, re.M), "the build play ran"
    # The last build published is the unbootable one (converge.yml builds it last).
    assert new_image(phases, FIRST, "after_good", "after_unbootable") in output


def test_unbootable_build_fails_and_the_host_is_back_on_the_build_it_ran(phases, log):
    assert phases["rc"]["unbootable-rollout"] == 2
    good = snap(phases, FIRST, "after_good")
    after = snap(phases, FIRST, "after_unbootable")
    bad = new_image(phases, FIRST, "after_good", "after_unbootable")
    text = failure(log, "unbootable-rollout", FIRST)
    assert f"Linux {bad} failed its trial boot on gs-node1" in text
    assert f"it booted {good['release']} instead" in text
    assert f"The host is back on its previous kernel (uname -r: {good['release']}" in text
    assert after["boot_id"] != good["boot_id"], "gs-node1 never rebooted into the trial"
    assert after["release"] == good["release"]
    assert after["default_release"] == good["release"] and after["saved_entry"] == good["saved_entry"]
    assert after["next_entry"] == "", "the one-shot entry was not consumed"
    assert "oomgs-trial" not in after["entry_ids"], "the trial entry was left in grub.cfg"
    assert len(after["failed_trials"]) == 1
    assert not after["trial_pending"]


def test_rollout_stopped_before_the_second_host(phases, log):
    before, after = snap(phases, SECOND, "after_good"), snap(phases, SECOND, "after_unbootable")
    assert after["boot_id"] == before["boot_id"], "gs-node2 was rebooted"
    assert after["grubenv"] == before["grubenv"], "gs-node2's GRUB environment changed"
    assert after["images"] == before["images"], "gs-node2 got a kernel package"
    assert not re.search(r"\[gs-node2\]", log("unbootable-rollout").split("PLAY [Install, boot")[1])


def test_hang_is_given_up_on_then_power_cycled_back_to_the_build_it_ran(phases, log):
    assert phases["rc"]["hang-rollout"] == 2
    text = failure(log, "hang-rollout", FIRST)
    timeout = phase_vars("hang")["kernel_install_reboot_timeout"]
    assert f"did not come back within {timeout} s of the trial boot" in text
    assert "Power-cycle the host" in text and "does not try it again" in text
    good = snap(phases, FIRST, "after_good")["release"]
    back = snap(phases, FIRST, "after_powercycle")
    assert back["release"] == good and back["default_release"] == good
    assert back["boot_id"] != snap(phases, FIRST, "after_unbootable")["boot_id"]
    assert back["next_entry"] == ""
    # The record the next run turns into a failed trial.
    assert back["trial_pending"], "no trial-pending record was left by the hung trial"


def test_the_next_run_refuses_the_build_that_hung(phases, log):
    assert phases["rc"]["hang-rerun"] == 2
    before, after = snap(phases, FIRST, "after_powercycle"), snap(phases, FIRST, "after_hang_rerun")
    assert after["boot_id"] == before["boot_id"], "the hung build was booted again"
    text = failure(log, "hang-rerun", FIRST)
    assert "failed its trial boot on this host before" in text
    assert "never came back to its health checks" in text
    assert not after["trial_pending"] and len(after["failed_trials"]) == 2
    assert "oomgs-trial" not in after["entry_ids"], "the hung trial's entry was left in grub.cfg"
    assert after["release"] == before["release"]


def test_keep_policy_removes_the_failed_builds_and_keeps_the_running_one(phases):
    assert phases["rc"]["prune"] == 0
    before, after = snap(phases, FIRST, "after_hang_rerun"), snap(phases, FIRST, "after_prune")
    assert after["boot_id"] == before["boot_id"], "the host was rebooted"
    good = "linux-image-" + after["release"]
    stock = "linux-image-" + snap(phases, FIRST, "before")["release"]
    ours = {i for i in before["images"] if OURS.search(i)}
    removed = set(before["images"]) - set(after["images"])
    assert len(ours) == 3 and removed == ours - {good}, before["images"]
    assert good in after["images"] and stock in after["images"]
    assert after["default_release"] == after["release"]


def test_unhealthy_rebuild_is_undone_back_to_the_build_it_ran(phases, log):
    assert phases["rc"]["unhealthy-rollout"] == 2
    before, after = snap(phases, SECOND, "after_unbootable"), snap(phases, SECOND, "after_unhealthy")
    rebuild = new_image(phases, SECOND, "after_unbootable", "after_unhealthy")
    assert rebuild.split("-oomgs-")[0] == before["release"].split("-oomgs-")[0] and rebuild != before["release"]
    assert after["boot_id"] != before["boot_id"]
    assert after["release"] == before["release"]
    assert after["default_release"] == before["release"] and after["saved_entry"] == before["saved_entry"]
    assert "oomgs-trial" not in after["entry_ids"] and after["next_entry"] == ""
    assert len(after["failed_trials"]) == 1 and not after["trial_pending"]
    text = failure(log, "unhealthy-rollout", SECOND)
    assert "health check command failed (rc 1)" in text
    assert f"back on its previous kernel (uname -r: {before['release']}" in text
    # The rebuild did boot: the second reboot is the role's.
    assert re.search(r"Reboot into the previous kernel \(GRUB's saved default\)\] \*+\nchanged: \[gs-node2\]",
                     log("unhealthy-rollout"))


def test_a_rerun_refuses_the_build_that_failed_on_the_host(phases, log):
    assert phases["rc"]["rerun"] == 2
    before, after = snap(phases, SECOND, "after_unhealthy"), snap(phases, SECOND, "after_rerun")
    assert after["boot_id"] == before["boot_id"], "the refused build was booted again"
    assert after["grubenv"] == before["grubenv"]
    text = failure(log, "rerun", SECOND)
    assert "failed its trial boot on this host before" in text
    assert "health check command failed" in text


def test_rollback_returns_the_second_host_to_its_stock_kernel(phases):
    assert phases["rc"]["rollback"] == 0
    back = snap(phases, SECOND, "after_rollback")
    assert back["release"] == snap(phases, SECOND, "before")["release"]
    assert back["default_release"] == back["release"]


def test_each_side_by_side_run_touched_its_own_host_only(phases):
    hang = new_image(phases, FIRST, "after_unbootable", "after_powercycle")
    rebuild = new_image(phases, SECOND, "after_unbootable", "after_unhealthy")
    assert "linux-image-" + hang not in snap(phases, SECOND, "after_rollback")["images"]
    assert "linux-image-" + rebuild not in snap(phases, FIRST, "after_hang_rerun")["images"]


def test_hosts_run_what_the_phases_left(host, root, phases):
    name = host.backend.get_hostname()
    expected = snap(phases, name, "after_prune" if name == FIRST else "after_rollback")["release"]
    assert host.check_output("uname -r") == expected
    assert root.file("/proc/graceful_shutdown").exists == (name == FIRST)
