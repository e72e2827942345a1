#!/usr/bin/env bash
# The local lab, the README's main command (`make lab`, `make lab-destroy`).
#
#   scripts/lab.sh up        install what is needed, build the Debian 12 box,
#                            start libvirt, bring up the lab VMs, run site.yml
#                            (debian kernel source) and playbooks/oom_demo.yml
#                            against them, print a summary
#   scripts/lab.sh vms       only the first steps: box, libvirt, VMs, inventory
#   scripts/lab.sh destroy   remove the lab VMs and their inventory
#
# Environment: GS_LAB_HOSTS (default 2) and the other GS_LAB_* variables of
# lab/Vagrantfile; see lab/README.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

state=build/lab
inventory=$state/inventory.yml
export ANSIBLE_COLLECTIONS_PATH=$top/build/collections
export ANSIBLE_HOST_KEY_CHECKING=False
# One TCG vCPU on a loaded host can take longer than the default 10 s to
# answer ssh or sudo.
export ANSIBLE_TIMEOUT=${ANSIBLE_TIMEOUT:-120}
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-1}
venv=$top/.venv/bin

phases=()
phase_start=0
phase() {
	phase_start=$SECONDS
	printf '\n=== lab: %s (%s UTC)\n' "$1" "$(date -u +%H:%M:%S)"
}
phase_done() {
	phases+=("$(printf '%-28s %5d s' "$1" $((SECONDS - phase_start)))")
}
print_phases() {
	printf '\nphase                         wall time\n'
	printf '%s\n' "${phases[@]}"
}
# On a failure, still show how far it got and how long that took.
on_exit() {
	local rc=$?
	if [ "$rc" -ne 0 ] && [ ${#phases[@]} -gt 0 ]; then
		print_phases
		echo "lab: FAILED (exit $rc)" >&2
	fi
}
trap on_exit EXIT

# vagrant in lab/, without its progress bars.
lab_vagrant() {
	(cd lab && vagrant --no-tty "$@") | sed -u 's/.*\x1b\[K//'
	return "${PIPESTATUS[0]}"
}

# The repository is the collection: make it importable by its name.
link_collection() {
	mkdir -p build/collections/ansible_collections/oomgs
	ln -sfn "$top" build/collections/ansible_collections/oomgs/graceful_shutdown
}

# "host release" per line, for every host of the inventory.
# Ad-hoc ansible whose one-line output is parsed: no colour codes in it.
ansible_oneline() {
	ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 "$venv/ansible" -i "$inventory" gs_fleet -o "$@"
}

kernels() {
	ansible_oneline -m ansible.builtin.command \
		-a 'uname -r' 2>/dev/null |
		sed -n 's/^\([^ ]*\) | CHANGED | rc=0 | (stdout) \(.*\)$/\1 \2/p' | sort
}

bring_up_vms() {
	phase "install packages (bootstrap)"
	scripts/bootstrap.sh
	phase_done "bootstrap"

	phase "start libvirt"
	lab/libvirt-up.sh
	phase_done "libvirt"

	phase "box oomgs/debian12"
	if [ "${GS_LAB_BOX:-oomgs/debian12}" = oomgs/debian12 ]; then
		lab/box/build-box.sh >/dev/null
	else
		echo "using box $GS_LAB_BOX"
	fi
	phase_done "box"

	phase "vagrant up (${GS_LAB_HOSTS:-2} VMs)"
	mkdir -p "$state"
	# One `vagrant up` at a time on the machine, as molecule/shared/create.yml.
	(cd lab && flock --close /tmp/oomgs-vagrant-up.lock vagrant --no-tty up) |
		sed -u 's/.*\x1b\[K//'
	[ "${PIPESTATUS[0]}" -eq 0 ]
	python3 lab/inventory.py "$inventory"
	phase_done "vagrant up"
}

up() {
	local before after handler
	bring_up_vms
	link_collection
	before=$(kernels)

	phase "site.yml (build, install, reboot, runtime)"
	"$venv/ansible-playbook" -i "$inventory" -e @lab/site-vars.yml site.yml
	phase_done "site.yml"
	after=$(kernels)

	phase "playbooks/oom_demo.yml"
	"$venv/ansible-playbook" -i "$inventory" playbooks/oom_demo.yml
	phase_done "oom_demo.yml"

	# The kernel's own record of a handled OOM (the brief's log line):
	# "graceful_shutdown: pid <pid> (<comm>) handler <path>: <outcome>, <ms> ms"
	handler=$(ansible_oneline -b -m ansible.builtin.shell \
		-a "dmesg | grep 'graceful_shutdown: pid .* handler ' | tail -n 1 | sed 's/.*graceful_shutdown: //'" \
		2>/dev/null | sed -n 's/^\([^ ]*\) | CHANGED | rc=0 | (stdout) \(.*\)$/\1 \2/p' | sort)

	local missing=0
	printf '\n=== lab summary\n'
	printf '%-10s %-24s %-24s %s\n' host "kernel before" "kernel after" "handler (kernel log)"
	while read -r host rel; do
		printf '%-10s %-24s %-24s %s\n' "$host" "$rel" \
			"$(awk -v h="$host" '$1 == h { print $2 }' <<<"$after")" \
			"$(awk -v h="$host" '$1 == h { $1 = ""; print substr($0, 2) }' <<<"$handler" | grep . || echo "NONE")"
		grep -q "^$host ." <<<"$handler" || missing=1
	done <<<"$before"
	print_phases
	printf '\nssh: cd lab && vagrant ssh gs-node1   inventory: %s\n' "$inventory"
	printf 'consoles: %s/console-<host>.log   tear down: make lab-destroy\n' "$state"
	if [ "$missing" -ne 0 ]; then
		echo "lab: FAILED: no graceful-shutdown handler ran on some host" >&2
		return 1
	fi
}

vms() {
	bring_up_vms
	print_phases
	printf 'inventory: %s\n' "$inventory"
}

destroy() {
	# Every machine the Vagrantfile can define, whatever GS_LAB_HOSTS was.
	if command -v vagrant >/dev/null && [ -d lab/.vagrant ]; then
		lab/libvirt-up.sh
		GS_LAB_HOSTS=9 lab_vagrant destroy -f
	fi
	if command -v virsh >/dev/null; then
		lab/libvirt-up.sh
		lab/libvirt-forget.sh "${GS_LAB_PREFIX:-oomgs-lab-}"
	fi
	rm -f "$inventory"
	echo "lab destroyed (the box stays cached in /var/cache/oomgs/boxes)"
}

case "${1:-}" in
up) up ;;
vms) vms ;;
destroy) destroy ;;
*)
	echo "usage: $0 up|vms|destroy" >&2
	exit 2
	;;
esac
