"""The graceful-shutdown kernel, booted under QEMU: one test per in-guest
case, plus whole-run checks (right kernel, ran to the end, no splats)."""

from __future__ import annotations

import json
import re


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def test_booted_the_lab_kernel(run, kernel_dir):
    assert run.release, (
        "the guest never reported its kernel release; console tail:\n"
        + _tail(run.console))
    # The role's build names its release after its key (-oomgs-<key[:8]>);
    # the direct test-only builds keep -oomgs.
    manifest = kernel_dir / "manifest.json"
    want = (json.loads(manifest.read_text())["release"] if manifest.exists()
            else None)
    if want:
        assert run.release == want, (
            f"guest runs {run.release}, not the built {want}")
    assert re.search(r"-oomgs(-[0-9a-f]{8})?$", run.release), (
        f"guest runs {run.release}, not a graceful-shutdown build (-oomgs)")


def test_guest_ran_every_case_and_powered_off(run):
    unfinished = [c.name for c in run.cases.values() if c.rc is None]
    assert run.done and not run.timed_out and not unfinished, (
        f"guest stopped early (timed out: {run.timed_out}, unfinished: "
        f"{unfinished}) after {run.seconds:.0f} s; console tail:\n"
        + _tail(run.console))


def test_case(run, case):
    result = run.cases.get(case)
    if result is None or result.rc is None:
        last = [c.name for c in run.cases.values() if c.rc is not None]
        raise AssertionError(
            f"{case}: no result (the guest stopped after "
            f"{last[-1] if last else 'no case'}); console tail:\n"
            + _tail(run.console))
    for line in result.lines:
        if line.startswith("GS-INFO"):
            print(line)
    if result.rc == 137:
        reason = "killed at its time limit"
    else:
        reason = f"exit status {result.rc}"
    assert result.rc == 0 and not result.failures, (
        f"{case} failed ({reason}, {result.seconds:.1f} s):\n"
        + "\n".join(result.lines[-30:])
        + "\n--- kernel console during the case ---\n"
        + run.console_excerpt(case))


def test_no_kernel_splat(run):
    splats = run.splats()
    assert not splats, (
        f"{len(splats)} kernel splat(s) on the console; first:\n" + splats[0])


def test_handled_oom_log_lines_match_the_contract(run):
    """Every graceful_shutdown line has one of the contract's shapes: a
    handler's outcome, or how a victim's grace ended."""
    # comm escaped: each of its up to 15 bytes may be \xHH (4 characters)
    shape = re.compile(
        r"graceful_shutdown: pid \d+ \([\x20-\x7e]{1,60}\)"
        r"( handler /\S*: (exit status -?\d+|timed out|did not start"
        r"|failed to run: -?\w+|refused: [^,]+)"
        r"|: (exited during its grace(, exit status \d+)?"
        r"|grace over at the deadline)), \d+ ms$")
    lines = [re.sub(r"^\[\s*[\d.]+\]\s*", "", line.strip())
             for line in run.console.splitlines()
             if "graceful_shutdown: pid" in line]
    bad = [line for line in lines if not shape.match(line)]
    assert lines, "no graceful_shutdown log line on the console at all"
    assert not bad, "log lines off the contract:\n" + "\n".join(bad[:10])


def test_poweroff_does_not_wait_for_a_hanging_handler(run):
    """The last case leaves a handler hanging with the longest timeout,
    60 s, to go; init then powers off, which must not wait for it (nor for
    its victim in its grace)."""
    case = run.cases.get("poweroff_while_handler_hangs")
    assert case is not None and case.rc == 0, (
        "the last case did not leave a hanging handler behind")
    asked = re.search(r"GS-POWEROFF uptime=([\d.]+)", run.results)
    assert asked, "init never reached its poweroff"
    down = re.findall(r"^\[\s*([\d.]+)\] reboot: Power down", run.console,
                      re.M)
    assert down, ("the kernel never logged 'reboot: Power down'; console "
                  "tail:\n" + _tail(run.console))
    took = float(down[-1]) - float(asked.group(1))
    print(f"poweroff took {took:.1f} s with a handler hanging")
    assert took < 30, (
        f"poweroff took {took:.0f} s with a hanging handler (its deadline "
        "was 60 s away): it waited for the handler")
