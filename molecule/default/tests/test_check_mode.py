"""`site.yml --check --diff` on the stock hosts, before converge (prepare.yml):
it runs to the end, changes nothing on them and says what a real run does."""

import json
import os
import re

import pytest

STATE = os.path.join(os.environ.get("MOLECULE_PROJECT_DIRECTORY", "."), "build", "molecule", "default")
UNCHANGED = ("release", "boot_id", "grubenv", "images", "packages_sha256", "boot_files_sha256",
             "failed_trials", "trial_pending")


@pytest.fixture(scope="module")
def check_run():
    with open(os.path.join(STATE, "check-run.json"), encoding="utf-8") as recorded:
        result = json.load(recorded)
    with open(os.path.join(STATE, "check-run.log"), encoding="utf-8") as output:
        result["log"] = output.read()
    return result


def test_check_run_ran_to_the_end(check_run):
    assert check_run["rc"] == 0, check_run["log"][-3000:]
    assert re.search(r"^PLAY RECAP", check_run["log"], re.M)
    for host in check_run["hosts"]:
        recap = re.search(r"^%s\s+:.*failed=(\d+)" % re.escape(host), check_run["log"], re.M)
        assert recap and recap.group(1) == "0", host


def test_check_run_changed_nothing_on_the_hosts(check_run):
    for host, phases in check_run["hosts"].items():
        before, after = phases["before_check"], phases["after_check"]
        for what in UNCHANGED:
            assert after[what] == before[what], f"{host}: {what} changed in check mode"


def test_check_run_says_which_build_each_host_would_install_and_reboot_into(check_run, root, build):
    host = root.backend.get_hostname()
    stock = check_run["hosts"][host]["before_check"]["release"]
    said = re.search(r"Check mode: %s runs (\S+)\. A real run would (.*?)\.\"" % re.escape(host),
                     check_run["log"])
    assert said, check_run["log"][-3000:]
    assert said.group(1) == stock
    assert f"install linux-image-{build['release']} (Linux {build['release']}, build {build['key']})" in said.group(2)
    assert "reboot the host on trial into it" in said.group(2)
    # --diff shows the GRUB drop-in a real run writes (a new file: its diff
    # names the template, not the destination).
    dropin = check_run["log"].split("TASK [oomgs.graceful_shutdown.kernel_install : Install the GRUB drop-in")[1]
    dropin = dropin.split("\nTASK [")[0]
    assert "+GRUB_DEFAULT=saved" in dropin and "+GRUB_RECORDFAIL_TIMEOUT=5" in dropin
