"""The rollout of a kernel that cannot boot strands no host and stops at the
first one; the good kernel then rolls out; gs_kernel_rollback goes back.

Each test reads what converge.yml saw after each phase (phases.json, one
snapshot per host) and the output of its ansible-playbook runs."""

import re

FIRST, SECOND = "gs-node1", "gs-node2"
UNBOOTABLE = "-oomgs-unbootable"


def snap(phases, host, phase):
    return phases["hosts"][host][phase]


def unbootable_release(phases):
    images = snap(phases, FIRST, "after_unbootable")["images"]
    found = [i[len("linux-image-"):] for i in images if i.endswith(UNBOOTABLE)]
    assert len(found) == 1, f"expected one unbootable image on {FIRST}: {images}"
    return found[0]


def test_unbootable_rollout_fails_and_names_kernel_cause_and_proof(phases, log):
    assert phases["rc"]["unbootable"] == 2
    output = log("unbootable-rollout")
    release = unbootable_release(phases)
    stock = snap(phases, FIRST, "before")["release"]
    message = re.search(r"fatal: \[gs-node1\]: FAILED! => .*", output)
    assert message, output[-3000:]
    text = message.group(0)
    assert f"Linux {release} failed its trial boot on gs-node1" in text
    assert f"it booted {stock} instead" in text
    assert f"The host is back on its previous kernel (uname -r: {stock}" in text


def test_first_host_rebooted_and_came_back_on_its_previous_kernel(phases):
    before, after = snap(phases, FIRST, "before"), snap(phases, FIRST, "after_unbootable")
    assert after["boot_id"] != before["boot_id"], "gs-node1 never rebooted into the trial"
    assert after["release"] == before["release"]
    assert after["next_entry"] == "", "the one-shot entry was not consumed"
    assert "oomgs-trial" not in after["entry_ids"], "the trial entry was left in grub.cfg"
    assert after["failed_trials"], "the failed trial was not recorded"


def test_saved_default_still_boots_the_previous_kernel(phases):
    for host in (FIRST, SECOND):
        before, after = snap(phases, host, "before"), snap(phases, host, "after_unbootable")
        assert after["default_release"] == before["release"], host
        # Unchanged, or (when it was unset and GRUB booted the first entry)
        # pinned to the running kernel's own entry before the trial.
        assert after["saved_entry"] == before["saved_entry"] or (
            before["saved_entry"] == "" and after["saved_entry"] == after["release_entry"]
        ), host


def test_rollout_stopped_before_the_second_host(phases, log):
    before, after = snap(phases, SECOND, "before"), snap(phases, SECOND, "after_unbootable")
    assert after["boot_id"] == before["boot_id"], "gs-node2 was rebooted"
    assert after["grubenv"] == before["grubenv"], "gs-node2's GRUB environment changed"
    assert after["images"] == before["images"], "gs-node2 got a kernel package"
    assert not re.search(r"\[gs-node2\]", log("unbootable-rollout").split("PLAY [Install, boot")[1])


def test_a_rerun_refuses_the_build_that_failed_on_the_host(phases, log):
    assert phases["rc"]["rerun"] == 2
    before, after = snap(phases, SECOND, "after_unhealthy"), snap(phases, SECOND, "after_rerun")
    assert after["boot_id"] == before["boot_id"], "the refused build was booted again"
    assert after["grubenv"] == before["grubenv"]
    message = re.search(r"fatal: \[gs-node2\]: FAILED! => .*", log("rerun"))
    assert message and "failed its trial boot on this host before" in message.group(0)
    assert "health check command failed" in message.group(0)


def test_good_kernel_then_rolls_out_to_both(phases):
    assert phases["rc"]["good"] == 0
    releases = set()
    for host in (FIRST, SECOND):
        after = snap(phases, host, "after_good")
        assert after["release"].endswith("-oomgs"), host
        assert after["default_release"] == after["release"], host
        assert after["saved_entry"] == after["release_entry"], host
        assert "oomgs-trial" not in after["entry_ids"], host
        releases.add(after["release"])
    assert len(releases) == 1


def test_rollback_returns_the_second_host_only(phases):
    assert phases["rc"]["rollback"] == 0
    back = snap(phases, SECOND, "after_rollback")
    assert back["release"] == snap(phases, SECOND, "before")["release"]
    assert back["default_release"] == back["release"]
    untouched = snap(phases, FIRST, "after_rollback")
    assert untouched["boot_id"] == snap(phases, FIRST, "after_good")["boot_id"]


def test_unhealthy_kernel_is_undone_by_a_second_reboot(phases, log):
    assert phases["rc"]["unhealthy"] == 2
    before, after = snap(phases, SECOND, "after_rollback"), snap(phases, SECOND, "after_unhealthy")
    assert after["boot_id"] != before["boot_id"]
    assert after["release"] == before["release"]
    assert after["default_release"] == before["release"]
    assert after["saved_entry"] == before["saved_entry"]
    assert "oomgs-trial" not in after["entry_ids"] and after["next_entry"] == ""
    assert len(after["failed_trials"]) == 1
    output = log("unhealthy-rollout")
    message = re.search(r"fatal: \[gs-node2\]: FAILED! => .*", output)
    assert message, output[-3000:]
    assert "health check command failed (rc 1)" in message.group(0)
    assert f"back on its previous kernel (uname -r: {before['release']}" in message.group(0)
    # The good kernel did boot: the second reboot is the role's.
    assert re.search(r"Reboot into the previous kernel \(GRUB's saved default\)\] \*+\nchanged: \[gs-node2\]", output)
    assert snap(phases, FIRST, "after_unhealthy")["boot_id"] == snap(phases, FIRST, "after_good")["boot_id"]


def test_hosts_run_what_the_phases_left(host, root, phases):
    name = host.backend.get_hostname()
    expected = snap(phases, name, "after_rerun")["release"]
    assert host.check_output("uname -r") == expected
    assert root.file("/proc/graceful_shutdown").exists == (name == FIRST)
