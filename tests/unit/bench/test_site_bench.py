"""bench/site_bench.py: tasks to phases, and phase wall times per batch."""

import importlib.util
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "bench" / "site_bench.py"
spec = importlib.util.spec_from_file_location("site_bench", SCRIPT)
site_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(site_bench)

ROLE = "oomgs.graceful_shutdown."


def task(host, batch, role, path, start, end, action="ansible.builtin.command"):
    return dict(host=host, batch=batch, role=ROLE + role, action=action,
                path="/c/roles/%s/tasks/%s:3" % (role, path), status="ok",
                start=start, end=end, task="t", play="p")


def install_play(host, batch, t0):
    """One host through kernel_install: install, trial prep, reboot, health."""
    return [
        task(host, batch, "kernel_install", "packages.yml", t0, t0 + 10),
        task(host, batch, "kernel_install", "trial.yml", t0 + 10, t0 + 15),
        task(host, batch, "kernel_install", "trial.yml", t0 + 15, t0 + 75,
             action="ansible.builtin.reboot"),
        task(host, batch, "kernel_install", "health.yml", t0 + 75, t0 + 80),
        task(host, batch, "kernel_install", "trial.yml", t0 + 80, t0 + 90),
        dict(task(host, batch, "kernel_install", "trial.yml", t0 + 90, t0 + 90,
                  action="ansible.builtin.reboot"), status="skipped"),
    ]


def test_phases_of_one_host():
    records = [task("localhost", 1, "kernel_build", "build.yml", 0, 100)]
    records += install_play("n1", 2, 100)
    assert site_bench.phase_times(records) == {
        "build": 100, "distribute+install": 10, "reboot": 65, "verify": 15}


def test_hosts_in_one_batch_overlap():
    records = install_play("n1", 2, 100) + install_play("n2", 2, 102)
    times = site_bench.phase_times(records)
    assert times["distribute+install"] == 12
    assert times["reboot"] == 67  # 110..177 (prep and reboots, both hosts)
    assert times["verify"] == 17


def test_serial_batches_add_up():
    # Two batches of one host each: the second starts after the first ends.
    records = install_play("n1", 2, 100) + install_play("n2", 3, 190)
    times = site_bench.phase_times(records)
    assert times == {"distribute+install": 20, "reboot": 130, "verify": 30}
    assert sum(times.values()) == 180  # no overlap counted twice


def test_includes_and_other_roles_have_no_phase():
    include = task("n1", 2, "kernel_install", "boot.yml", 0, 1,
                   action="ansible.builtin.include_tasks")
    other = dict(task("n1", 2, "kernel_install", "x.yml", 0, 1), role="")
    assert site_bench.phase_of(include, False) is None
    assert site_bench.phase_of(other, False) is None
