"""Every build of one upstream release installs beside the others, so a host
always has the build it ran before to fall back to: a build that panics, one
that hangs and one that fails its health check all leave the host on it, and
are not tried again. GRUB's default is pinned before anything is installed,
so a stock host given a build that panics without a reboot boots its own
kernel at the next reboot. A host that cannot take a build is set aside and
the others go on; a controller killed during the trial reboot leaves trials
the next run finishes; a host lost after its trial boot stops the rollout
before the next batch. Also: the rollout as a controller user who is not
root, --limit without the build host, and gs_kernel_rollback.

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


def set_aside(log, name, host):
    """The host's set-aside message in a run (it is not a failure)."""
    output = log(name)
    found = re.findall(r"%s is set aside, it keeps Linux .*" % re.escape(host), output)
    assert found, output[-3000:]
    assert not re.search(r"fatal: \[%s\]" % re.escape(host), output), "the host set aside failed"
    return found[-1]


def summary(log, name):
    """The part of a run's output from its first batch report on (the batch
    reports and the run's summary, "host: result (phase): reason")."""
    output = log(name)
    start = output.find("Report the batch]")
    assert start >= 0, output[-3000:]
    return output[start:]


def new_image(phases, host, before, after):
    added = sorted(set(snap(phases, host, after)["images"]) - set(snap(phases, host, before)["images"]))
    assert len(added) == 1, f"expected one new kernel image on {host}: {added}"
    return added[0][len("linux-image-"):]


def test_a_refused_host_is_set_aside_and_the_next_batch_proceeds(phases, log):
    assert phases["rc"]["staged"] == 0
    text = set_aside(log, "staged", FIRST)
    assert "UEFI Secure Boot is on and the build is not signed" in text
    before, after = snap(phases, FIRST, "before"), snap(phases, FIRST, "after_staged")
    for what in ("images", "grubenv", "boot_files_sha256", "packages_sha256"):
        assert after[what] == before[what], f"gs-node1 set aside but its {what} changed"
    # gs-node2, the next batch, got the build.
    assert len(snap(phases, SECOND, "after_staged")["images"]) == len(snap(phases, SECOND, "before")["images"]) + 1
    report = summary(log, "staged")
    assert "gs-node1: refused (preflight): UEFI Secure Boot is on" in report, report
    assert "gs-node2: installed (done)" in report, report


def test_a_stock_host_staged_with_a_panicking_build_boots_its_own_kernel(phases, log):
    before = snap(phases, SECOND, "before")
    staged, rebooted = snap(phases, SECOND, "after_staged"), snap(phases, SECOND, "after_operator_reboot")
    assert before["saved_entry"] == "", "the host was not stock (saved_entry set)"
    bad = new_image(phases, SECOND, "before", "after_staged")
    # Without the pin the next reboot would boot the build: the first entry.
    assert staged["first_release"] == bad
    assert staged["boot_id"] == before["boot_id"], "kernel_install_reboot false rebooted the host"
    assert staged["saved_entry"] == staged["release_entry"] and staged["default_release"] == before["release"]
    assert staged["next_entry"] == "" and not staged["trial_pending"] and not staged["run_lock"]
    assert rebooted["boot_id"] != staged["boot_id"]
    assert rebooted["release"] == before["release"], "the operator's reboot booted " + rebooted["release"]
    assert "linux-image-" + bad in rebooted["images"]


def test_the_controller_killed_during_the_trial_reboot_left_trials_under_way(phases, log):
    assert phases["rc"]["good-killed"] == 0, log("good-killed")[-3000:]
    # kill-at.sh's line: the pids it killed, then what it waited for.
    assert re.search(r"^kill-at: killing [0-9 ]+: .*, and .* went down$", log("good-killed"), re.M), \
        log("good-killed")[-3000:]
    for host in (FIRST, SECOND):
        before, killed = snap(phases, host, "after_operator_reboot" if host == SECOND else "after_staged"), \
            snap(phases, host, "after_kill")
        assert killed["boot_id"] != before["boot_id"], host
        assert OURS.search(killed["release"]), f"{host} is not on the trial kernel: {killed['release']}"
        assert killed["trial_pending"] and killed["default_release"] == before["release"], host


def test_the_next_run_finishes_the_trials_it_finds(phases, log):
    output = log("good-rollout")
    for host in (FIRST, SECOND):
        killed, good = snap(phases, host, "after_kill"), snap(phases, host, "after_good")
        assert good["boot_id"] == killed["boot_id"], f"{host} was rebooted again"
        assert good["release"] == killed["release"]
        assert good["failed_trials"] == [], f"{host}: a good build recorded as failed"
        assert not good["trial_pending"] and not good["run_lock"]
        assert "Finish the trial of Linux " + good["release"] in output, output[-3000:]


def test_a_unit_failed_before_the_trial_does_not_fail_it(phases):
    assert "oomgs-test-fails.service" in snap(phases, SECOND, "after_kill")["failed_units"]
    after = snap(phases, SECOND, "after_good")
    assert "oomgs-test-fails.service" in after["failed_units"]
    assert after["default_release"] == after["release"] and OURS.search(after["release"])


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
    # gs-node1 was set aside when the others were staged with it.
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
    report = summary(log, "unbootable-rollout")
    assert "The rollout stops before the next batch" in report and f"gs-node1: failed (trial): Linux {bad}" in report


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
    assert phases["rc"]["hang-rerun"] == 0
    before, after = snap(phases, FIRST, "after_powercycle"), snap(phases, FIRST, "after_hang_rerun")
    assert after["boot_id"] == before["boot_id"], "the hung build was booted again"
    text = set_aside(log, "hang-rerun", FIRST)
    assert "failed its trial on this host before" in text
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
    assert phases["rc"]["rerun"] == 0
    before, after = snap(phases, SECOND, "after_unhealthy"), snap(phases, SECOND, "after_rerun")
    assert after["boot_id"] == before["boot_id"], "the refused build was booted again"
    assert after["grubenv"] == before["grubenv"]
    text = set_aside(log, "rerun", SECOND)
    assert "failed its trial on this host before" in text
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


def test_a_host_lost_after_its_trial_boot_stops_the_rollout_before_the_next_batch(phases, log):
    assert phases["rc"]["lost"] == 2
    output = log("lost")
    text = failure(log, "lost", SECOND)
    assert "unreachable after the trial boot of Linux" in text
    report = summary(log, "lost")
    assert "The rollout stops before the next batch" in report
    assert "gs-node2: unreachable (health): unreachable after the trial boot" in report, report
    before, after = snap(phases, FIRST, "after_prune"), snap(phases, FIRST, "after_lost")
    assert after["boot_id"] == before["boot_id"] and after["grubenv"] == before["grubenv"], "gs-node1 was touched"
    assert not re.search(r"^(ok|changed|fatal): \[gs-node1\]", output.split("PLAY [Install, boot")[1], re.M)
    # It went away on the trial kernel: the trial stays recorded for the next run.
    lost = snap(phases, SECOND, "after_lost")
    assert lost["boot_id"] != snap(phases, SECOND, "after_rollback")["boot_id"]
    assert OURS.search(lost["release"]) and lost["trial_pending"]
    assert lost["default_release"] == snap(phases, SECOND, "after_rollback")["release"]


def test_hosts_run_what_the_phases_left(host, root, phases):
    name = host.backend.get_hostname()
    expected = snap(phases, name, "after_lost")["release"]
    assert host.check_output("uname -r") == expected
    assert root.file("/proc/graceful_shutdown").exists
