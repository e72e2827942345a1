"""site.yml --check --diff against two stand-in hosts (this machine, local
connection) with --forks 1: it runs to the end through all three plays,
warns that forks is below the batch size, says what a real run would do per
host (this machine may not boot with GRUB: then that it would be set aside),
and (check mode) writes nothing. The real check run against VMs is the
molecule default scenario's prepare step."""

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_check_mode_runs_to_the_end_and_warns_about_forks(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        "gs_fleet:\n  hosts:\n"
        "    stand-in-1: {ansible_connection: local}\n"
        "    stand-in-2: {ansible_connection: local}\n"
        "  vars:\n    ansible_python_interpreter: /usr/bin/python3\n")
    dropin = Path("/etc/default/grub.d/99-oomgs-graceful-shutdown.cfg")
    existed = dropin.exists()
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build" / "collections"))
    result = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "site.yml", "--check", "--diff", "--forks", "1",
         "-e", "@lab/site-vars.yml", "-e", "gs_rollout_serial=100%"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "WARNING: forks is 1 but this batch has 2 hosts" in output
    running = os.uname().release
    for host in ("stand-in-1", "stand-in-2"):
        assert re.search(r"Check mode: %s runs %s\. A real run would (install|keep|pin|set it aside)" % (host, re.escape(running)),
                         output), output[-4000:]
        assert re.search(r"^%s\s+:.*failed=0" % host, output, re.M)
    assert "PLAY [Set up the graceful-shutdown runtime]" in output
    assert dropin.exists() == existed, "check mode wrote the GRUB drop-in"
