#!/usr/bin/env bash
# Run a command (an ansible-playbook) and, once PATTERN shows in its output
# and every HOST:PORT has been seen refusing connections (the hosts went
# down for the reboot that task started), kill it and every process under
# it with SIGKILL (stopped first, so that none forks meanwhile), as a
# controller dies. Prints the output;
# exits 0 when the kill happened, 1 when the command ended first or the
# hosts never went down (within 600 s).
#
#   kill-at.sh PATTERN HOST:PORT[,HOST:PORT...] COMMAND...
set -u
pattern=$1
IFS=, read -r -a targets <<< "$2"
shift 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
setsid "$@" > "$log" 2>&1 < /dev/null &
pid=$!

down() { ! timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2> /dev/null; }

# The command and every process under it: runuser starts the user's
# command in a session (and process group) of its own.
tree() {
	local child
	echo "$1"
	for child in $(ps -o pid= --ppid "$1"); do
		tree "$child"
	done
}

while kill -0 "$pid" 2> /dev/null; do
	if grep -qF -- "$pattern" "$log"; then
		declare -A seen=()
		deadline=$((SECONDS + 600))
		while [ "${#seen[@]}" -lt "${#targets[@]}" ] && [ "$SECONDS" -lt "$deadline" ]; do
			for target in "${targets[@]}"; do
				down "${target%:*}" "${target##*:}" && seen[$target]=1
			done
			sleep 0.5
		done
		if [ "${#seen[@]}" -lt "${#targets[@]}" ]; then
			break
		fi
		mapfile -t victims < <(tree "$pid")
		echo "kill-at: killing ${victims[*]}: $pattern, and ${targets[*]} went down" >> "$log"
		kill -STOP "${victims[@]}" 2> /dev/null
		kill -KILL "${victims[@]}" 2> /dev/null
		wait "$pid" 2> /dev/null
		cat "$log"
		exit 0
	fi
	sleep 1
done
wait "$pid"
rc=$?
cat "$log"
echo "kill-at: no kill (rc $rc): the command ended, or ${targets[*]} did not go down"
exit 1
