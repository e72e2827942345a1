"""Benchmark the graceful-shutdown kernel inside the lab VM and print a table.

Reuses the content-keyed kernel and initramfs of tests/kernel (building them
if needed), boots the guest with gs.mode=bench and prints the figures that
tests/kernel/programs/gsbench.c measured with CLOCK_MONOTONIC in the guest:

* OOM kill latency (victim's last page -> its parent's waitpid()) without a
  registration and with a registered handler that exits at once; the
  difference is what a handler adds to the kill (target: < 50 ms).
* The kill latency of an unregistered memcg OOM while 0, 1 and 4 handlers
  hang in other cgroups (target: with 4, within 1.2x of none).
* Registry cost at 1, 100 and 4,096 registrations: reading the listing, a
  register/unregister write, a replace write (lookup + update), an
  unregister that misses on one open fd (lookup only; its growth from 1 to
  4,096 entries bounds the lookup cost, target: < 10 us) and the OOM kill
  latency at that registry size.
* A graceful victim (signal=15, saves and fsyncs 1 MiB, exits 0): its
  SIGTERM and its last page before the OOM to its exit.
* A write from outside a cgroup to a file a task inside keeps writing, with
  no run and while the cgroup's victim's handler hangs (target: median
  within 1.2x).
* A global OOM, last page to the victim's death: unregistered, and with a
  registered victim whose handler hangs, at the default global wait (0:
  at once) and at 2000 ms (target: within the wait).

Usage: bench/kernel_bench.sh [--debug]
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]
                       / "tests" / "kernel"))

import guest  # noqa: E402  (path set just above)


def main() -> int:
    debug = "--debug" in sys.argv[1:]
    kernel = guest.build_kernel(debug=debug)
    initramfs = guest.build_initramfs()
    run = guest.boot(kernel / "bzImage", initramfs,
                     guest.TOP / "build" / "kernel" / "bench",
                     mode="bench", timeout=3600)
    rows = [line[len("GS-BENCH "):] for line in run.results.splitlines()
            if line.startswith("GS-BENCH ")]
    errors = [line for line in run.results.splitlines()
              if line.startswith("GS-BENCH-ERROR")]
    print(f"kernel {run.release} ({kernel.name}), guest ran "
          f"{run.seconds:.0f} s under QEMU TCG, 2 vCPUs\n")
    print("\n".join(rows))
    values = {}
    for row in rows:
        parts = row.split()
        if len(parts) > 5 and parts[-1].startswith("(n="):
            values[" ".join(parts[:-5])] = float(parts[-4])  # median
    summary = []
    none = values.get("OOM kill, no registration")
    once = values.get("OOM kill, handler exits at once")
    if none is not None and once is not None:
        summary.append(f"handler that exits at once adds {once - none:.1f} ms "
                       "(median) to the OOM kill (target < 50 ms)")
    idle = values.get("OOM kill, no registration, 0 hanging elsewhere")
    for n in (1, 4):
        busy = values.get(f"OOM kill, no registration, {n} hanging elsewhere")
        if idle and busy is not None:
            summary.append(f"unregistered OOM with {n} handler(s) hanging "
                           f"elsewhere: {busy:.1f} ms against {idle:.1f} ms "
                           f"({busy / idle:.2f}x, target with 4: < 1.2x)")
    r1 = values.get("replace write (lookup+update), 1 regs")
    r4k = values.get("replace write (lookup+update), 4096 regs")
    if r1 is not None and r4k is not None:
        summary.append(f"lookup growth 1 -> 4,096 registrations: "
                       f"{r4k - r1:.2f} us per replace write (target < 10 us)")
    m1 = values.get("unregister miss (lookup only), 1 regs")
    m4k = values.get("unregister miss (lookup only), 4096 regs")
    if m1 is not None and m4k is not None:
        summary.append(f"lookup-only write 1 -> 4,096 registrations: "
                       f"{m1:.2f} -> {m4k:.2f} us (growth {m4k - m1:.2f} us, "
                       "target < 10 us)")
    free = values.get("outside write to a file a cgroup task writes, no run")
    held = values.get(
        "outside write to a file a cgroup task writes, handler hangs")
    if free and held is not None:
        summary.append(f"outside write while a handler hangs: {held:.2f} ms "
                       f"against {free:.2f} ms with no run "
                       f"({held / free:.2f}x, target < 1.2x)")
    unreg = values.get("global OOM, no registration: last page -> death")
    for wait in (0, 2000):
        hang = values.get(f"global OOM, handler hangs, global wait {wait} ms")
        if hang is not None:
            summary.append(f"global OOM, registered victim whose handler "
                           f"hangs, wait {wait} ms: out of OOM {hang:.0f} ms "
                           f"after its last page (bound {wait} ms + the kill"
                           + (f"; unregistered {unreg:.0f} ms)" if unreg
                              else ")"))
    grace = values.get("graceful victim: last page -> exit 0")
    if grace is not None:
        summary.append(f"graceful victim: OOM to its own exit 0 "
                       f"{grace:.1f} ms (1 MiB saved and fsynced)")
    if summary:
        print("\n" + "\n".join(summary))
    for line in errors:
        print(line)
    if not rows or errors or not run.done:
        print("benchmark incomplete; console tail:\n"
              + "\n".join(run.console.splitlines()[-30:]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
