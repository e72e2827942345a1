"""The roles refuse bad input with a clear message and change nothing.

Each case runs expect_failure.yml through ansible-playbook on the controller
with the case's variables; nothing here builds, installs or reboots.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).with_name("expect_failure.yml")


def series_available():
    """The lines the collection carries a series for, as the role lists them."""
    lines = (p.parent.name for p in (REPO / "files/kernel/patches").glob("*/series"))
    return ", ".join(sorted(lines))


def cases(tmp):
    series = tmp / "patches" / "5.4"
    tarball = tmp / "linux-5.4.1.tar.xz"
    yield "unknown source", "kernel_build", {
        "kernel_build_source": "git"}, "value of kernel_build_source must be one of: kernel_org, debian, local"
    yield "version without a series", "kernel_build", {
        "kernel_build_source": "kernel_org",
        "kernel_build_version": "4.19.1"}, f"Series available: {series_available()}."
    yield "kernel.org unreachable", "kernel_build", {
        "kernel_build_source": "kernel_org",
        "kernel_build_version": "5.4.1",
        "kernel_build_patches_dir": str(series.parent),
        "kernel_build_kernel_org_url": "http://127.0.0.1:9/pub/linux/kernel",
    }, "Could not get a verified linux-5.4.1 from http://127.0.0.1:9/pub/linux/kernel/v5.x"
    # Not in the package lists at hand, nor after refreshing them.
    yield "unknown Debian source package", "kernel_build", {
        "kernel_build_source": "debian",
        "kernel_build_debian_package": "oomgs-no-such-source-package"}, \
        "No package matching 'oomgs-no-such-source-package' is available"
    yield "local tarball with a wrong sha256", "kernel_build", {
        "kernel_build_source": "local",
        "kernel_build_local_tarball": str(tarball),
        "kernel_build_local_sha256": "0" * 64}, "refusing to build from it"
    yield "local tarball without a sha256", "kernel_build", {
        "kernel_build_source": "local",
        "kernel_build_local_tarball": str(tarball)}, "a 64-hex-digit kernel_build_local_sha256"
    yield "missing configuration fragment", "kernel_build", {
        "kernel_build_source": "kernel_org",
        "kernel_build_patches_dir": str(series.parent),
        "kernel_build_config_base": "no-such-fragment"}, "no-such-fragment.config"
    # The controller's artifact store, checked before anything is built.
    yield "artifact store not mounted", "kernel_build", {
        "kernel_build_artifact_root": str(tmp / "no-such-mount" / "kernels"),
        "kernel_build_artifact_root_must_exist": True}, \
        "does not exist, and kernel_build_artifact_root_must_exist is true: is the shared store mounted?"
    yield "artifact store cannot be created", "kernel_build", {
        "kernel_build_artifact_root": str(tarball / "kernels")}, "on the controller cannot be created:"
    yield "artifact store is a file", "kernel_build", {
        "kernel_build_artifact_root": str(tarball)}, "on the controller is not a directory."
    yield "kernel_install without a build", "kernel_install", {}, \
        "kernel_install_build must be the kernel_build_result"
    yield "trial without a panic timeout", "kernel_install", {
        "kernel_install_build": {"key": "k", "release": "6.1.0-oomgs", "image_package": "p.deb",
                                 "artifact_dir": str(tmp / "artifacts")},
        "kernel_install_trial_panic_timeout": 0}, "kernel_install_trial_panic_timeout above 0"
    yield "no build to keep", "kernel_install", {
        "kernel_install_build": {"key": "k", "release": "6.1.0-oomgs", "image_package": "p.deb",
                                 "artifact_dir": str(tmp / "artifacts")},
        "kernel_install_keep_builds": 0}, "kernel_install_keep_builds at least 1"
    # site.yml --limit without the build host, on a controller that never built.
    yield "install without a published build", "kernel_build", {
        "case_tasks_from": "last_result"}, "No complete build is recorded in"
    yield "install from a store that is not there", "kernel_build", {
        "case_tasks_from": "last_result",
        "kernel_build_artifact_root": str(tmp / "no-such-mount" / "kernels")}, \
        "kernels does not exist on this controller: on AWX/AAP"
    yield "rollback with nothing recorded", "kernel_install", {
        "case_tasks_from": "rollback",
        "kernel_install_state_dir": str(tmp / "state")}, "nothing to roll back to. Nothing was changed."
    yield "nonsense slice size", "gs_runtime", {
        "gs_runtime_memory_max": "lots"}, "memory sizes are bytes"
    yield "service without a handler", "gs_runtime", {
        "gs_runtime_services": [{"name": "ssh.service"}]}, "missing required arguments: handler found in gs_runtime_services"
    yield "service with an uncatchable signal", "gs_runtime", {
        "gs_runtime_services": [{"name": "a.service", "handler": "/h", "signal": "TERM"},
                                {"name": "b.service", "handler": "/h", "signal": "sigkill"},
                                {"name": "c.service", "handler": "/h", "signal": 19}]}, \
        "gs_runtime: b.service asks for signal KILL, c.service asks for signal 19, which the kernel does not send"
    yield "service with an unknown signal", "gs_runtime", {
        "gs_runtime_services": [{"name": "a.service", "handler": "/h", "signal": "BOGUS"}]}, \
        "a.service asks for signal BOGUS, which the kernel does not send: give the name (TERM, SIGTERM, term)"


CASE_IDS = [case[0] for case in cases(Path("/unused"))]


@pytest.fixture()
def scratch(tmp_path):
    series = tmp_path / "patches" / "5.4"
    series.mkdir(parents=True)
    (series / "series").write_text("0001-test.patch\n")
    (series / "0001-test.patch").write_text("--- a/README\n+++ b/README\n")
    (tmp_path / "linux-5.4.1.tar.xz").write_text("not a kernel\n")
    return tmp_path


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_role_refuses_bad_input(scratch, case_id):
    expect_refusal(scratch, *next(c for c in cases(scratch) if c[0] == case_id))


# root may write a directory whatever its mode: only an ordinary user sees
# the store refused for its permissions.
@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only directory")
def test_kernel_build_refuses_a_store_it_cannot_write(scratch):
    store = scratch / "read-only-store"
    store.mkdir(mode=0o555)
    try:
        expect_refusal(scratch, "read-only artifact store", "kernel_build", {
            "kernel_build_artifact_root": str(store)}, "on the controller is not writable by the controller's user")
    finally:
        store.chmod(0o755)


def expect_refusal(scratch, name, role, variables, message):
    extra = {
        "case_role": role,
        "case_message": message,
        "kernel_build_work_dir": str(scratch / "work"),
        "kernel_build_artifact_root": str(scratch / "artifacts"),
        "kernel_build_install_dependencies": False,
        **variables,
    }
    extra_file = scratch / "extra.json"
    extra_file.write_text(json.dumps(extra))
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build" / "collections"))
    result = subprocess.run(
        ["ansible-playbook", str(PLAYBOOK), "-e", f"@{extra_file}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, f"{name}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert "refused as expected" in result.stdout
    # Refused before anything was built or published.
    assert not (scratch / "artifacts").exists() or not any((scratch / "artifacts").iterdir())
    work = scratch / "work"
    leftovers = [p for p in work.rglob("*") if "downloads" not in p.parts] if work.exists() else []
    assert leftovers == [], leftovers
