"""gs_register and gs_info against the real /proc/graceful_shutdown."""

import json

import pytest
from testinfra.modules.ansible import AnsibleException

from lab_helpers import HANDLERS, INFO, PROC, listing, registrations, start_background

REGISTER = "oomgs.graceful_shutdown.gs_register"
RECORD = f"{HANDLERS}/record-victim"
LOG = f"{HANDLERS}/log-victim"
# One write() to the registry, bypassing gs_register; prints the errno's name.
PROC_WRITE = f"""import errno, os, sys
fd = os.open("{PROC}", os.O_WRONLY)
try:
    os.write(fd, sys.argv[1].encode())
except OSError as err:
    print(errno.errorcode[err.errno])
else:
    print("ok")
"""


@pytest.fixture()
def sleeper(root):
    """A throwaway process to register; killed afterwards."""
    pid = start_background(root, "sleep 600")
    yield pid
    root.run(f"kill {pid}")


def register(host, check=False, **args):
    return host.ansible(REGISTER, json.dumps(args), check=check, become=True)


def test_register_replace_unregister(root, sleeper):
    assert register(root, pid=sleeper, handler=RECORD)["changed"]
    assert registrations(root)[sleeper] == RECORD
    assert not register(root, pid=sleeper, handler=RECORD)["changed"]

    info = root.ansible(INFO, check=False, become=True)["registrations"]
    mine = [r for r in info if r["pid"] == sleeper]
    assert mine == [{"pid": sleeper, "handler": RECORD, "signal": None, "name": "sleep", "handler_exists": True}]

    assert register(root, pid=sleeper, handler=LOG)["changed"]
    assert registrations(root)[sleeper] == LOG

    assert register(root, pid=sleeper, state="absent")["changed"]
    assert sleeper not in registrations(root)
    assert not register(root, pid=sleeper, state="absent")["changed"]


def test_check_mode_writes_nothing(root, sleeper):
    before = registrations(root)
    result = register(root, check=True, pid=sleeper, handler=RECORD)
    assert result["changed"]
    assert registrations(root) == before

    register(root, pid=sleeper, handler=RECORD)
    before = registrations(root)
    assert register(root, check=True, pid=sleeper, state="absent")["changed"]
    assert registrations(root) == before


def test_bulk_registrations(root, sleeper):
    other = start_background(root, "sleep 600")
    try:
        result = register(
            root,
            registrations=[
                {"pid": sleeper, "handler": RECORD},
                {"pid": other, "handler": LOG},
            ],
        )
        assert result["changed"]
        listing = registrations(root)
        assert listing[sleeper] == RECORD and listing[other] == LOG
        assert not register(
            root,
            registrations=[
                {"pid": sleeper, "handler": RECORD},
                {"pid": other, "handler": LOG},
            ],
        )["changed"]
    finally:
        root.run(f"kill {other}")


@pytest.mark.parametrize(
    "setup, handler",
    [
        ("install -m 0777 /bin/true /tmp/gs-bad-handler", "/tmp/gs-bad-handler"),
        ("install -m 0755 -o 65534 /bin/true /tmp/gs-foreign-handler", "/tmp/gs-foreign-handler"),
        ("true", "relative/handler"),
        ("rm -f /tmp/gs-missing-handler", "/tmp/gs-missing-handler"),
    ],
    ids=["world-writable", "foreign-owned", "relative", "missing"],
)
def test_bad_handler_refused(root, sleeper, setup, handler):
    root.check_output(setup)
    before = registrations(root)
    # ansible-core 2.19's --tree output (what testinfra reads) may leave out
    # "failed", so testinfra does not always raise: accept both.
    try:
        result = register(root, pid=sleeper, handler=handler)
    except AnsibleException as failure:
        result = failure.result
    assert not result.get("changed")
    assert "nothing was changed" in result.get("msg", ""), result
    assert registrations(root) == before


def test_registration_dies_with_the_process(root):
    pid = start_background(root, "sleep 600")
    register(root, pid=pid, handler=RECORD)
    assert pid in registrations(root)
    root.run(f"kill {pid}")
    root.run(f"while [ -e /proc/{pid} ]; do sleep 0.2; done")
    assert pid not in registrations(root)


@pytest.fixture()
def scratch(root):
    """A directory of root's, 0700, for handlers made for one test."""
    path = root.check_output("mktemp -d /tmp/gs-handlers.XXXXXX")
    yield path
    root.run("rm -rf %s", path)


@pytest.mark.parametrize(
    "make, answer",
    [
        ("install -m 0755 /bin/true {dir}/handler", "ok"),
        ("install -m 0777 /bin/true {dir}/handler", "EACCES"),
        ("install -m 0755 -o 65534 /bin/true {dir}/handler", "EACCES"),
        ("install -m 0755 /bin/true {dir}/handler && chmod 0777 {dir}", "EACCES"),
    ],
    ids=["safe", "mode-0777", "uid-65534", "directory-0777"],
)
def test_kernel_checks_the_handler_written_directly(root, sleeper, scratch, make, answer):
    """The kernel's own check, without gs_register's before it."""
    root.check_output(make.format(dir=scratch))
    before = registrations(root)
    line = f"{sleeper} {scratch}/handler"
    assert root.check_output("python3 -c %s %s", PROC_WRITE, line) == answer
    if answer == "ok":
        assert registrations(root) == {**before, sleeper: f"{scratch}/handler"}
    else:
        assert registrations(root) == before


UNSHARED_PYTHON = """#!/bin/sh
exec unshare --mount -- /usr/bin/python3 "$@"
"""


def test_registration_from_a_private_mount_namespace_is_refused(root, sleeper):
    """The kernel runs handlers in the host's namespaces: EXDEV, told clearly."""
    wrapper = "/tmp/gs-python-in-private-mount-namespace"
    root.ansible(
        "ansible.builtin.copy",
        json.dumps({"dest": wrapper, "content": UNSHARED_PYTHON, "mode": "0755"}),
        check=False,
        become=True,
    )
    before = registrations(root)
    try:
        result = root.ansible(
            REGISTER,
            json.dumps({"pid": sleeper, "handler": RECORD}),
            check=False,
            become=True,
            extra_vars={"ansible_python_interpreter": wrapper},
        )
    except AnsibleException as failure:
        result = failure.result
    assert "(EXDEV)" in result.get("msg", ""), result
    assert "run the task on the host itself" in result["msg"]
    assert registrations(root) == before


def test_register_with_a_signal(root, sleeper):
    """The signal is written as its number, listed, compared and dropped."""
    assert register(root, pid=sleeper, handler=RECORD, signal="TERM")["changed"]
    assert listing(root)[sleeper] == [RECORD, "signal=15"]
    assert not register(root, pid=sleeper, handler=RECORD, signal="sigterm")["changed"]
    assert not register(root, pid=sleeper, handler=RECORD, signal=15)["changed"]

    info = root.ansible(INFO, check=False, become=True)["registrations"]
    assert [r["signal"] for r in info if r["pid"] == sleeper] == [15]

    assert register(root, pid=sleeper, handler=RECORD)["changed"]
    assert listing(root)[sleeper] == [RECORD]


def test_gs_register_refuses_an_uncatchable_signal(root, sleeper):
    before = listing(root)
    try:
        result = register(root, pid=sleeper, handler=RECORD, signal="KILL")
    except AnsibleException as failure:
        result = failure.result
    assert "nothing was changed" in result.get("msg", ""), result
    assert "SIGKILL (9)" in result["msg"]
    assert listing(root) == before


@pytest.mark.parametrize(
    "field, answer",
    [
        ("signal=15", "ok"),
        ("signal=64", "ok"),
        ("signal=9", "EINVAL"),
        ("signal=19", "EINVAL"),
        ("signal=0", "EINVAL"),
        ("signal=65", "EINVAL"),
        ("signal=abc", "EINVAL"),
        ("foo=1", "EINVAL"),
        ("signal=15 signal=15", "EINVAL"),
    ],
)
def test_kernel_checks_the_signal_written_directly(root, sleeper, field, answer):
    """The kernel's own check of the third field, without gs_register's."""
    before = listing(root)
    line = f"{sleeper} {RECORD} {field}"
    assert root.check_output("python3 -c %s %s", PROC_WRITE, line) == answer
    if answer == "ok":
        assert listing(root) == {**before, sleeper: [RECORD, field]}
    else:
        assert listing(root) == before
