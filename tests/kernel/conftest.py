"""Session fixtures: build the kernel and initramfs once, boot once, and
make each in-guest case its own pytest test.

GS_KERNEL_DEBUG=1 runs the same cases on the debug build (KASAN, lockdep,
DEBUG_LIST, ...) with longer per-case time limits.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import guest  # noqa: E402  (path set just above)

DEBUG = os.environ.get("GS_KERNEL_DEBUG") == "1"
TIMESCALE = 4 if DEBUG else 1


@pytest.fixture(scope="session")
def initramfs():
    return guest.build_initramfs()


@pytest.fixture(scope="session")
def kernel_dir():
    # scripts/test-kernel.sh has just built it and says where; asking
    # build-kernel.sh again would rerun the kernel_build role's lookup.
    built = os.environ.get("GS_KERNEL_DIR")
    return pathlib.Path(built) if built else guest.build_kernel(debug=DEBUG)


def _case_names():
    return [name for name, _limit in guest.list_cases(guest.build_initramfs())]


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", _case_names())


@pytest.fixture(scope="session")
def run(kernel_dir, initramfs):
    """One boot running every case; shared by all tests of the session."""
    limit = sum(t for _name, t in guest.list_cases(initramfs)) * TIMESCALE + 300
    variant = "debug" if DEBUG else "lab"
    boot = guest.boot(kernel_dir / "bzImage", initramfs,
                      guest.TOP / "build" / "kernel" / f"run-{kernel_dir.name}",
                      timeout=limit, timescale=TIMESCALE)
    sys.stderr.write(
        f"\nguest ({variant}, {kernel_dir.name}) ran {boot.seconds:.0f} s, "
        f"{len(boot.cases)} cases, done={boot.done}\n")
    return boot
