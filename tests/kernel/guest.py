"""Build the lab kernel and test initramfs, boot them under QEMU and parse
what the guest reports.

The guest writes its kernel console to the first serial port and its
machine-readable result lines (see tests/kernel/programs/gscases.c) to the
second, so kernel messages can never garble a result line.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import subprocess
import time

TOP = pathlib.Path(__file__).resolve().parents[2]
HERE = TOP / "tests" / "kernel"

# Kernel messages that mean something went wrong inside the kernel.
# Lockdep reports start with "WARNING: possible ..."; a bare "lockdep" would
# match the debug kernel's boot banner ("RCU lockdep checking is enabled").
SPLAT_MARKERS = (
    "WARNING:", "BUG:", "Call Trace", "lockdep is turned off",
    "DEBUG_LOCKS_WARN_ON", "KASAN", "Oops",
    "general protection", "circular locking", "inconsistent lock state",
    "suspicious RCU usage", "list_add corruption", "list_del corruption",
    "Kernel panic", "blocked for more than", "UBSAN",
)


def _run_build(script: str, env: dict[str, str] | None = None) -> pathlib.Path:
    """Run a build script (its log goes to our stderr); return its output."""
    proc = subprocess.run(
        [str(HERE / script)], cwd=TOP, env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed with status {proc.returncode}")
    return pathlib.Path(proc.stdout.strip().splitlines()[-1])


def build_kernel(debug: bool = False) -> pathlib.Path:
    """The build directory holding bzImage and config."""
    env = {"GS_KERNEL_DEBUG": "1" if debug else "0"}
    return _run_build("build-kernel.sh", env)


def build_initramfs() -> pathlib.Path:
    return _run_build("build-initramfs.sh")


def list_cases(initramfs: pathlib.Path) -> list[tuple[str, int]]:
    """(case, time limit in seconds) as the in-guest driver defines them."""
    out = subprocess.run([str(initramfs.parent / "gscases"), "list"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return [(name, int(limit)) for name, limit in
            (line.split() for line in out.splitlines())]


@dataclasses.dataclass
class Case:
    name: str
    rc: int | None = None          # None: the case never finished
    lines: list[str] = dataclasses.field(default_factory=list)
    seconds: float | None = None

    @property
    def failures(self) -> list[str]:
        return [line for line in self.lines if line.startswith("GS-FAIL")]


@dataclasses.dataclass
class Boot:
    console: str
    results: str
    seconds: float
    timed_out: bool
    cases: dict[str, Case]
    release: str | None
    done: bool

    def console_excerpt(self, case: str, limit: int = 60) -> str:
        """The kernel console between the case's begin and end marks."""
        lines = self.console.splitlines()
        begin = end = None
        for i, line in enumerate(lines):
            if f"gstest: case {case} begin" in line:
                begin = i
            elif f"gstest: case {case} end" in line and begin is not None:
                end = i
        if begin is None:
            return "(case never started on the console)"
        chunk = lines[begin:(end + 1 if end is not None else None)]
        if len(chunk) > limit:
            chunk = chunk[:limit // 2] + ["[...]"] + chunk[-limit // 2:]
        return "\n".join(chunk)

    def splats(self) -> list[str]:
        """Kernel splat lines, ignoring the stack dump every OOM report has."""
        found = []
        lines = self.console.splitlines()
        for i, line in enumerate(lines):
            for marker in SPLAT_MARKERS:
                if marker not in line:
                    continue
                context = "\n".join(lines[max(0, i - 40):i])
                if marker == "Call Trace" and "invoked oom-killer" in context:
                    continue
                found.append("\n".join(lines[max(0, i - 3):i + 12]))
                break
        return found


def parse_results(text: str) -> tuple[dict[str, Case], str | None, bool]:
    cases: dict[str, Case] = {}
    release = None
    done = False
    current: Case | None = None
    for raw in text.splitlines():
        line = raw.strip("\r\x00 ")
        if m := re.match(r"GS-BOOT release=(\S+)", line):
            release = m.group(1)
        elif m := re.match(r"GS-CASE (\S+) BEGIN$", line):
            current = cases.setdefault(m.group(1), Case(m.group(1)))
        elif m := re.match(
                r"GS-CASE (\S+) END rc=(\d+) start=([\d.]+) end=([\d.]+)",
                line):
            case = cases.setdefault(m.group(1), Case(m.group(1)))
            case.rc = int(m.group(2))
            case.seconds = float(m.group(4)) - float(m.group(3))
            current = None
        elif line == "GS-DONE":
            done = True
        elif current is not None and line:
            current.lines.append(line)
    return cases, release, done


def boot(kernel: pathlib.Path, initramfs: pathlib.Path, workdir: pathlib.Path,
         mode: str = "cases", timeout: float = 3600, memory_mb: int = 1024,
         timescale: int = 1, only: str = "") -> Boot:
    """Boot once; return when the guest powers off or the timeout hits."""
    workdir.mkdir(parents=True, exist_ok=True)
    console = workdir / "console.log"
    results = workdir / "results.log"
    for f in (console, results):
        f.unlink(missing_ok=True)
    cmd = [
        "qemu-system-x86_64", "-accel", "tcg,tb-size=256",
        "-m", str(memory_mb), "-smp", "2", "-nodefaults",
        "-display", "none", "-monitor", "none", "-no-reboot",
        "-kernel", str(kernel), "-initrd", str(initramfs),
        "-append", f"console=ttyS0 panic=-1 gs.mode={mode} "
                   f"gs.timescale={timescale}"
                   + (f" gs.only={only}" if only else ""),
        "-serial", f"file:{console}", "-serial", f"file:{results}",
    ]
    start = time.monotonic()
    timed_out = False
    with subprocess.Popen(cmd, stdin=subprocess.DEVNULL) as qemu:
        try:
            qemu.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            qemu.kill()
            qemu.wait()
    seconds = time.monotonic() - start
    console_text = console.read_text(errors="replace") if console.exists() else ""
    results_text = results.read_text(errors="replace") if results.exists() else ""
    cases, release, done = parse_results(results_text)
    return Boot(console_text, results_text, seconds, timed_out, cases,
                release, done)
