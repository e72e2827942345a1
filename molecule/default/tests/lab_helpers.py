"""Helpers shared by the testinfra checks (imported by the test modules)."""

import time

PROC = "/proc/graceful_shutdown"
RUNS = "/proc/graceful_shutdown_runs"
HANDLERS = "/usr/local/lib/oomgs/handlers"
RECORDS = "/var/lib/oomgs/handler-records"
INFO = "oomgs.graceful_shutdown.gs_info"


def listing(host):
    """The kernel's registry listing as {pid: [handler, field, ...]}.

    A line is "<pid> <path>" or "<pid> <path> signal=<N>".
    """
    lines = host.check_output(f"cat {PROC}").splitlines()
    return {int(line.split(" ")[0]): line.split(" ")[1:] for line in lines}


def registrations(host):
    """The kernel's registry listing as {pid: handler}."""
    return {pid: fields[0] for pid, fields in listing(host).items()}


def counters(host):
    """The kernel's graceful-shutdown counters, as gs_info returns them."""
    result = host.ansible(INFO, check=False, become=True)
    assert result["counters"] is not None, "the kernel reports no graceful_shutdown_* counters"
    return result["counters"]


def start_background(host, command):
    """Start command detached from the test's connection; return its pid."""
    out = host.check_output(f"nohup {command} > /dev/null 2>&1 < /dev/null & echo $!")
    return int(out.strip())


def wait_until(predicate, timeout, interval=2.0):
    """Poll predicate until it is true or timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
