"""kernel_install's GRUB drop-in, rendered with the role's defaults and read by
a shell the way grub-mkconfig sources /etc/default/grub.d/*.cfg."""

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def render(tmp_path):
    dest = tmp_path / "99-oomgs-graceful-shutdown.cfg"
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build" / "collections"))
    result = subprocess.run(
        ["ansible-playbook", str(Path(__file__).with_name("render_dropin.yml")), "-e", f"dropin_dest={dest}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return dest


def source(dropin, cmdline):
    script = ('GRUB_CMDLINE_LINUX="$1"; . "$2"; '
              'printf "%s|%s|%s" "$GRUB_DEFAULT" "$GRUB_RECORDFAIL_TIMEOUT" "$GRUB_CMDLINE_LINUX"')
    return subprocess.run(["sh", "-c", script, "sh", cmdline, str(dropin)],
                          capture_output=True, text=True, check=True).stdout


def test_dropin_sets_saved_default_recordfail_timeout_and_options_once(tmp_path):
    dropin = render(tmp_path)
    # Ubuntu's recordfail would otherwise leave a host after a failed trial
    # waiting at the menu; an option already given is not added twice.
    assert source(dropin, "console=ttyS0 swapaccount=1") == \
        "saved|5|console=ttyS0 swapaccount=1 cgroup_enable=memory"
    assert source(dropin, "") == "saved|5|cgroup_enable=memory swapaccount=1"
