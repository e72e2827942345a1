"""The graceful pattern on the real kernel: at its memory cgroup's OOM a
program registered with a signal is sent it, saves its state and exits 0 by
itself, and is not killed (kernel interface v2)."""

import json
import re

import pytest

from lab_helpers import HANDLERS, RECORDS, RUNS, counters, start_background, wait_until

RECORD = f"{HANDLERS}/record-victim"
# gs-run --signal TERM graceful_saver in the background; its pid (the
# registered one, which graceful_saver keeps) and then its exit status in
# the directory given. 4 MiB every 20 ms: the 50 MB slice is full in about
# a second.
RUN_SAVER = f"""#!/bin/sh
cd "$1" || exit 1
/usr/local/bin/gs-run --signal TERM /usr/local/bin/graceful_saver {RECORD} "$1/state" 4 20 \\
    > saver.log 2>&1 < /dev/null &
echo $! > saver.pid
wait $!
echo $? > saver.status
"""


@pytest.fixture()
def workdir(root):
    path = root.check_output("mktemp -d /var/tmp/gs-graceful.XXXXXX")
    root.ansible(
        "ansible.builtin.copy",
        json.dumps({"dest": f"{path}/run-saver", "content": RUN_SAVER, "mode": "0755"}),
        check=False,
        become=True,
    )
    yield path
    root.run("rm -rf %s", path)


def oom_kills(host):
    """The kernel's count of OOM kills since boot (/proc/vmstat oom_kill)."""
    for line in host.file("/proc/vmstat").content_string.splitlines():
        name, _sep, value = line.partition(" ")
        if name == "oom_kill":
            return int(value)
    raise AssertionError("no oom_kill in /proc/vmstat")


def fields(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_graceful_victim_saves_its_state_and_exits_by_itself(root, workdir):
    before = counters(root)
    assert before["victim_exited"] is not None, "the kernel does not count victim_exited"
    kills = oom_kills(root)

    start_background(root, f"{workdir}/run-saver {workdir}")
    pid_file = root.file(f"{workdir}/saver.pid")
    assert wait_until(lambda: pid_file.exists and pid_file.content_string.strip(), 10, 0.2)
    pid = int(pid_file.content_string)
    status = root.file(f"{workdir}/saver.status")
    assert wait_until(lambda: status.exists and status.content_string.strip(), 60, 0.5), (
        root.file(f"{workdir}/saver.log").content_string
    )

    # It exited 0 by itself, its state complete and in place.
    log = root.file(f"{workdir}/saver.log").content_string
    assert status.content_string.strip() == "0", log
    state = fields(root.file(f"{workdir}/state").content_string)
    assert state["pid"] == str(pid)
    assert state["signal"] == "15"
    assert state["complete"] == "yes"
    # It had filled most of the slice (50 MB) when the signal came.
    assert int(state["held_mib"]) >= 20, state
    assert not root.file(f"{workdir}/state.tmp").exists
    assert "state saved" in log

    # The kernel says so, ran the handler, and killed nothing.
    def kernel_lines():
        return [line for line in root.check_output("dmesg").splitlines() if f"graceful_shutdown: pid {pid} " in line]

    exited = rf"graceful_shutdown: pid {pid} \(graceful_saver\): exited during its grace, exit status 0, \d+ ms"
    handled = rf"graceful_shutdown: pid {pid} \(graceful_saver\) handler {re.escape(RECORD)}: exit status 0, \d+ ms"
    assert wait_until(lambda: any(re.search(handled, line) for line in kernel_lines()), 30, 0.5), kernel_lines()
    assert [line for line in kernel_lines() if re.search(exited, line)], kernel_lines()
    assert not re.search(rf"Killed process {pid} ", root.check_output("dmesg"))
    assert oom_kills(root) == kills

    # The handler was told the signal and given the victim's pidfd.
    record = fields(root.file(f"{RECORDS}/{pid}.env").content_string)
    assert record["GS_VICTIM_PID"] == str(pid)
    assert record["GS_OOM_SCOPE"] == "memcg"
    assert record["GS_SIGNAL"] == "15"
    assert record["GS_VICTIM_PIDFD"] == "3"

    # The run is over: no line in the runs file, counted once.
    assert wait_until(lambda: not re.search(rf"^{pid} ", root.file(RUNS).content_string, re.M), 30, 0.5)

    def counted():
        now = counters(root)
        return now["victim_exited"] == before["victim_exited"] + 1 and now["run"] == before["run"] + 1

    assert wait_until(counted, 30, 1.0), (before, counters(root))
