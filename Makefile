# Developer entry point. Every target is a thin call into scripts/; see README.md.
.PHONY: lab lab-destroy test bootstrap build

# Build a local lab of VMs, roll the graceful-shutdown kernel out to it with
# site.yml and run the OOM demo.
lab:
	scripts/lab.sh up

lab-destroy:
	scripts/lab.sh destroy

# The whole test suite (what .ci/run runs). STAGES="units lint" runs a subset.
test:
	scripts/test.sh $(STAGES)

bootstrap:
	scripts/bootstrap.sh

# Build the collection tarball.
build: bootstrap
	.venv/bin/ansible-galaxy collection build --force --output-path build/
