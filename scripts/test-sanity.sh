#!/usr/bin/env bash
# Stage "sanity": ansible-test sanity on a copy of the collection placed
# where ansible-test wants it, then the collection artifact: build it,
# install it, and check that ansible-doc documents every module from it.
#
# By default with .venv's ansible-core, working under build/. For another
# ansible-core (scripts/test-compat.sh) set GS_VENV to a venv holding it
# and GS_SANITY_WORK to a folder of its own for the copy, the sanity venv,
# ansible-test's HOME and the artifact (relative to the checkout or not).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
venv=${GS_VENV:-$top/.venv}
work=${GS_SANITY_WORK:-build}
case $work in /*) ;; *) work=$top/$work ;; esac
export PATH="$venv/bin:$PATH"

# The tracked files plus new ones not ignored, as they are in the work tree.
tree=$work/ansible_collections/oomgs/graceful_shutdown
rm -rf "$work/ansible_collections"
mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard |
	rsync -a --from0 --files-from=- --ignore-missing-args ./ "$tree/"
# ansible-test lists files with git: give the copy a repository of its own,
# or it would see the enclosing checkout, where build/ is ignored.
git -C "$tree" init -q
git -C "$tree" add -A

# ansible-test --venv would download its pip bootstrap from a host outside
# the package registries, so the sanity tools get a venv of their own here
# (kept apart from .venv: their pins differ from ansible-lint's), with the
# same ansible-core, filled by ansible-test --requirements from PyPI.
core=$("$venv/bin/python" -c 'import ansible; print(ansible.__version__)')
# The Python of that venv runs the sanity tests too.
python=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
sanity_venv=$work/sanity-venv
if [ "$(cat "$sanity_venv/.ansible-core" 2>/dev/null)" != "$core" ]; then
	rm -rf "$sanity_venv"
	# A venv's python makes venvs on the interpreter it was made from.
	"$venv/bin/python" -m venv "$sanity_venv"
	"$sanity_venv/bin/pip" install -q "ansible-core==$core"
	# A sanity test's requirement pinned to an archive on a host outside
	# the package registries (ansible-core 2.22: dill from GitHub, for
	# pylint) cannot be installed here: take the package's newest release
	# from PyPI instead.
	for reqs in "$sanity_venv"/lib/python3*/site-packages/ansible_test/_data/requirements/sanity.*.txt; do
		if grep -q '^[A-Za-z0-9_.-]* @ https\?://' "$reqs"; then
			echo "sanity: from PyPI instead: $(grep -o '^[A-Za-z0-9_.-]* @ [^#]*' "$reqs")"
			sed -i 's/^\([A-Za-z0-9_.-]*\) @ https\?:\/\/.*$/\1/' "$reqs"
		fi
	done
	echo "$core" > "$sanity_venv/.ansible-core"
fi

# Its per-test venvs bootstrap pip with a downloaded get-pip.py: give it a
# stand-in (scripts/get_pip_from_pypi.py) in a HOME of its own under $work.
test_home=$work/ansible-test-home
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',\$/\1/p" \
	"$sanity_venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py)
mkdir -p "$test_home/.ansible/test/cache"
cp scripts/get_pip_from_pypi.py \
	"$test_home/.ansible/test/cache/get_pip_${pip_version//./_}.py"

echo "--- ansible-test sanity (ansible-core $core, python $python)"
# Check the artifact below even when sanity fails; fail at the end.
sanity=ok
(
	cd "$tree"
	HOME=$test_home PATH="$sanity_venv/bin:$PATH" \
		ansible-test sanity --requirements --python "$python" --color no
) || sanity=FAILED

echo "--- collection build and install"
rm -rf "$work/dist" "$work/installed"
ansible-galaxy collection build --output-path "$work/dist" "$tree"
tarball=$(ls "$work"/dist/oomgs-graceful_shutdown-*.tar.gz)
if tar -tzf "$tarball" | grep -E '^(tests|molecule|bench|lab|scripts|\.ci)/'; then
	echo "build_ignore let test or lab tooling into $tarball" >&2
	exit 1
fi
# --force: a copy under ~/.ansible/collections would make it skip the install.
ansible-galaxy collection install --force -p "$work/installed" "$tarball"
for path in plugins/modules/*.py; do
	module=$(basename "$path" .py)
	doc=$(ANSIBLE_NOCOLOR=1 ANSIBLE_COLLECTIONS_PATH="$work/installed" \
		ansible-doc "oomgs.graceful_shutdown.$module")
	grep -q '^OPTIONS' <<<"$doc" || {
		echo "ansible-doc shows no options for $module" >&2
		exit 1
	}
	sed -n 1,3p <<<"$doc"
done
echo "collection artifact ok: $tarball"
echo "ansible-test sanity: $sanity"
[ "$sanity" = ok ]
