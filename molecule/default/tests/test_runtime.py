"""The slice, gs-run and an OOM in the slice running the victim's handler."""

import json
import re

from lab_helpers import HANDLERS, RECORDS, counters, registrations, start_background, wait_until

SLICE = "gs-memlimit.slice"
LIMIT = 50000000


def slice_limit(host, pid):
    """The limit the kernel enforces on the slice holding pid (cgroup v2 or v1).

    systemd nests gs-memlimit.slice under gs.slice (a dash is a level).
    """
    for line in host.file(f"/proc/{pid}/cgroup").content_string.splitlines():
        controllers, path = line.split(":", 2)[1:]
        slice_path = path[: path.index(f"/{SLICE}") + len(SLICE) + 1]
        if controllers == "":
            return int(host.file(f"/sys/fs/cgroup{slice_path}/memory.max").content_string)
        if "memory" in controllers.split(","):
            return int(host.file(f"/sys/fs/cgroup/memory{slice_path}/memory.limit_in_bytes").content_string)
    raise AssertionError(f"pid {pid} is not in {SLICE}")


def test_slice_exists_with_its_limit(root):
    unit = root.service(SLICE)
    assert unit.is_running and unit.is_enabled
    assert root.check_output(f"systemctl show --property=MemoryMax --value {SLICE}") == str(LIMIT)
    # systemd makes the slice's cgroup when something runs in it.
    pid = start_background(root, f"systemd-run --quiet --scope --slice={SLICE} sleep 300")
    try:
        assert wait_until(lambda: f"/{SLICE}/" in root.file(f"/proc/{pid}/cgroup").content_string, 60)
        # cgroup v1 rounds the limit down to whole pages.
        assert LIMIT - 4096 < slice_limit(root, pid) <= LIMIT
    finally:
        root.run(f"kill {pid}")


PROBE = """#!/bin/sh
echo "pid=$$"
grep -q "/gs-memlimit.slice/" /proc/self/cgroup && echo in_slice=yes
grep "^$$ " /proc/graceful_shutdown
exit 7
"""


def test_gs_run_keeps_pid_and_exit_status(root):
    root.ansible(
        "ansible.builtin.copy",
        json.dumps({"dest": "/tmp/gs-run-probe", "content": PROBE, "mode": "0755"}),
        check=False,
        become=True,
    )
    # exec keeps the shell's pid for gs-run, systemd-run and the probe.
    result = root.run(
        f"sh -c 'echo outer=$$; exec /usr/local/bin/gs-run /tmp/gs-run-probe {HANDLERS}/log-victim'"
    )
    assert result.rc == 7, result.stderr
    lines = result.stdout.splitlines()
    outer = lines[0].removeprefix("outer=")
    assert lines[1:] == [f"pid={outer}", "in_slice=yes", f"{outer} {HANDLERS}/log-victim"]


def test_gs_run_registers_the_signal(root):
    """gs-run --signal TERM: the same pid and status, signal=15 in the listing."""
    root.ansible(
        "ansible.builtin.copy",
        json.dumps({"dest": "/tmp/gs-run-probe", "content": PROBE, "mode": "0755"}),
        check=False,
        become=True,
    )
    result = root.run(
        f"sh -c 'echo outer=$$; exec /usr/local/bin/gs-run --signal TERM /tmp/gs-run-probe {HANDLERS}/log-victim'"
    )
    assert result.rc == 7, result.stderr
    lines = result.stdout.splitlines()
    outer = lines[0].removeprefix("outer=")
    assert lines[1:] == [f"pid={outer}", "in_slice=yes", f"{outer} {HANDLERS}/log-victim signal=15"]


def test_gs_run_refuses_a_bad_handler(root):
    root.check_output("install -m 0777 /bin/true /tmp/gs-writable-handler")
    result = root.run("/usr/local/bin/gs-run /bin/true /tmp/gs-writable-handler")
    assert result.rc != 0
    assert "writable by group or others" in result.stderr


def test_oom_in_the_slice_runs_the_handler_before_the_kill(root):
    handler = f"{HANDLERS}/record-victim"
    before = counters(root)
    pid = start_background(
        root, f"/usr/local/bin/gs-run /usr/local/bin/oom_condition_creator {handler} 1 100"
    )
    record = root.file(f"{RECORDS}/{pid}.env")
    assert wait_until(lambda: pid in registrations(root) or record.exists, 30)
    assert wait_until(lambda: record.exists, 180), f"no handler record for {pid}"
    assert wait_until(lambda: not root.file(f"/proc/{pid}").exists, 30)

    fields = dict(line.split("=", 1) for line in record.content_string.splitlines())
    assert fields["argv_pid"] == str(pid)
    assert fields["GS_VICTIM_PID"] == str(pid)
    assert fields["GS_VICTIM_COMM"] == "oom_condition_c"
    assert fields["GS_OOM_SCOPE"] == "memcg"
    assert fields["victim_alive"] == "yes"
    assert fields["handler_uid"] == "0"
    # What the kernel told the handler about the victim and the OOM.
    assert fields["GS_OOM_CONSTRAINT"] == "memcg"
    cgroup = fields["GS_VICTIM_CGROUP"]
    assert f"/{SLICE}/run-" in cgroup and cgroup.endswith(".scope"), cgroup
    # Most of the slice's limit, which the victim alone filled; a little
    # over it at most (mapped pages of its binary charged elsewhere).
    assert LIMIT // 2048 < int(fields["GS_VICTIM_RSS_KB"]) <= LIMIT // 1024 + 4096
    timeout = int(root.check_output("sysctl -n vm.graceful_shutdown_timeout_ms"))
    assert 0 < int(fields["GS_DEADLINE_MS"]) <= timeout

    log = root.check_output("dmesg")
    line = re.search(
        rf"graceful_shutdown: pid {pid} \(oom_condition_c\) handler {re.escape(handler)}: "
        r"exit status 0, \d+ ms",
        log,
    )
    assert line, log[-2000:]
    assert re.search(rf"Killed process {pid} \(oom_condition_c\)", log)

    # Counted: a run begun and a handler that exited in time; with nothing
    # running now, every run has one outcome.
    def counted():
        now = counters(root)
        outcomes = now["exited"] + now["timed_out"] + now["failed"] + now["refused"]
        return now["run"] > before["run"] and now["exited"] > before["exited"] and now["run"] == outcomes

    assert wait_until(counted, 30), (before, counters(root))
