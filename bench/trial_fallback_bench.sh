#!/usr/bin/env bash
# Benchmark (issue 5): after a failed trial boot, how long from the reboot
# until the host answers again on its previous kernel. Brings up one lab VM
# (own libvirt prefix), makes it fail a trial with the rollback scenario's
# unbootable kernel ROUNDS times (default 3), prints each figure and the
# median, and destroys the VM. Target: under 3 minutes under TCG.
#
#   bench/trial_fallback_bench.sh [ROUNDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rounds=${1:-3}
state=$top/build/bench-fallback
export VAGRANT_DOTFILE_PATH=$state/vagrant GS_LAB_LOG_DIR=$state
export GS_LAB_PREFIX=oomgs-bench-fallback- GS_LAB_HOSTS=1
export ANSIBLE_COLLECTIONS_PATH=$top/build/collections
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_TIMEOUT=120 ANSIBLE_NOCOLOR=1
# The unbootable kernel's fragment is found relative to the scenario.
export MOLECULE_SCENARIO_DIRECTORY=$top/molecule/rollback

destroy() { (cd lab && vagrant --no-tty destroy --force >/dev/null 2>&1) || true; }
trap destroy EXIT

mkdir -p "$state" build/collections/ansible_collections/oomgs
ln -sfn "$top" build/collections/ansible_collections/oomgs/graceful_shutdown
lab/libvirt-up.sh
lab/box/build-box.sh >/dev/null
(cd lab && vagrant --no-tty up) >"$state/vagrant-up.log"
python3 lab/inventory.py "$state/inventory.yml"

results=$state/results.jsonl
: >"$results"
for round in $(seq "$rounds"); do
	echo "--- round $round/$rounds"
	.venv/bin/ansible-playbook -i "$state/inventory.yml" bench/trial_fallback.yml \
		-e "bench_result_file=$results" >"$state/round-$round.log" ||
		{ tail -n 30 "$state/round-$round.log"; exit 1; }
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"\n{'round':>5}  {'host':<10} {'back on':<24} {'reboot -> back (s)':>18}")
for i, row in enumerate(rows, 1):
    assert row["back_on"] == row["previous"], row
    print(f"{i:>5}  {row['host']:<10} {row['back_on']:<24} {row['reboot_to_back_s']:>18}")
times = [row["reboot_to_back_s"] for row in rows]
print(f"\nmedian {statistics.median(times)} s, min {min(times)} s, max {max(times)} s"
      f" over {len(times)} failed trials (target: under 180 s)")
PY
