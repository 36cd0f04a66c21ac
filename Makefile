# lvsgen: every target a user or CI needs. `make test` installs what it needs.
SHELL := /bin/bash
NODE_TEST := node --test --test-reporter=spec
DEBS := ifupdown iptables ldirectord ipvsadm heartbeat qemu-system-x86 busybox-static \
        curl cpio kmod net-tools iproute2 procps lintian rpm rpmlint shellcheck \
        keepalived nftables firewalld systemd network-manager dbus-daemon \
        ansible openssh-server time chromium fonts-dejavu-core graphviz git \
        libnet-inet6glue-perl

.PHONY: all deps npm-deps debs build test golden schema docs graphs e2e bench fuzz clean example

all: build

# Debian packages the tests use as oracles; installed only when run as root and missing.
# A temporary policy-rc.d keeps their daemons (NetworkManager, heartbeat, ...) from
# starting on the test machine itself: the tests start them in namespaces.
debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then policy=/usr/sbin/policy-rc.d; printf '#!/bin/sh\nexit 101\n' > $$policy; chmod 755 $$policy; fi; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $$missing; \
	    status=$$?; [ -z "$$policy" ] || rm -f $$policy; [ $$status -eq 0 ] || exit $$status; \
	  else echo "missing Debian packages (run make test as root to install): $$missing"; fi; \
	fi

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

npm-deps: node_modules/.package-lock.json

deps: debs npm-deps

# tsc compiles every module into dist/; esbuild then bundles the CLI into one file
# (dist/src/cli/lvsgen.cjs) and one run of an example records V8's code cache for it:
# bin/lvsgen starts from these when they are newer than the modules (see bin/lvsgen).
BUNDLE = dist/src/cli/lvsgen.cjs
build: npm-deps
	npx tsc -p tsconfig.json
	npx esbuild dist/src/cli/entry.js --bundle --platform=node --format=cjs --target=node20.19 \
	  --define:import.meta.url=__lvsgen_url --log-level=warning --outfile=$(BUNDLE)
	rm -f $(BUNDLE).cache
	tmp=$$(mktemp -d) && LVSGEN_WRITE_CODE_CACHE=$(CURDIR)/$(BUNDLE).cache bin/lvsgen render examples/lb-nat.yaml -o $$tmp/out >/dev/null; \
	  status=$$?; rm -rf $$tmp; exit $$status

# Everything: unit, golden, consumer, package and end-to-end tests. The VM
# labs (dist/test/vm: lvsgen lab --vm, minutes each under emulation, the VM
# isolated from this machine's namespaces) run beside the rest, which runs two
# files at a time (most of them wait on daemons' timers: one at a time, quietly,
# 1219 s for 676 s of CPU; two at a time beside the VM labs, 944 s); their report
# follows the rest's, and the rest's failures, if any, are printed again at the
# end (where a log's tail shows them).
# The VMs get one virtual CPU: beside a busy core, a lab that one did in 10 minutes
# (548 s of CPU) had run two thirds of its checks after 16 with two (944 s; docs/lab.md).
test: deps build
	@vm_log=$$(mktemp); rest_log=$$(mktemp); \
	{ LVSGEN_VM_CPUS=$${LVSGEN_VM_CPUS:-1} $(NODE_TEST) dist/test/vm/ >"$$vm_log" 2>&1; echo $$? >"$$vm_log.status"; } & \
	$(NODE_TEST) --test-concurrency=2 $$(ls -d dist/test/*/ dist/test/*.test.js | grep -vx 'dist/test/vm/') 2>&1 | tee "$$rest_log"; rest=$${PIPESTATUS[0]}; \
	wait; echo "# the VM labs (dist/test/vm), run beside the tests above:"; cat "$$vm_log"; \
	vm=$$(cat "$$vm_log.status"); rm -f "$$vm_log" "$$vm_log.status"; \
	if [ "$$rest" != 0 ]; then echo "# the failures of the tests above, again:"; sed -n '/^✖ failing tests:/,$$p' "$$rest_log"; fi; rm -f "$$rest_log"; \
	echo "# make test: the tests above exit $$rest, the VM labs exit $$vm"; [ "$$rest" = 0 ] && [ "$$vm" = 0 ]

# End-to-end proof only: the labs in namespaces and under real IPVS in a VM.
e2e: deps build
	$(NODE_TEST) dist/test/e2e/ dist/test/vm/

# Benchmarks at fleet scale, side by side with an Ansible playbook (about an hour):
# writes docs/benchmarks.md and docs/benchmarks.json. BENCH_ARGS='--sizes 10,100 ...' narrows it.
bench: deps build
	node dist/bench/run.js --json docs/benchmarks.json --md docs/benchmarks.md $(BENCH_ARGS)

# Property-based tests with many more cases than CI runs (LVSGEN_FUZZ_RUNS, LVSGEN_FUZZ_SEED).
fuzz: build
	LVSGEN_FUZZ_RUNS=$${LVSGEN_FUZZ_RUNS:-2000} $(NODE_TEST) dist/test/hostile/property.test.js

# Rewrite golden/ from the current code. Read `git diff golden/` before committing.
golden: build
	UPDATE_GOLDEN=1 $(NODE_TEST) dist/test/golden/

schema: build
	node dist/src/cli/write-schema.js docs/topology.schema.json

# Rewrite docs/distros.md's kind table from src/render/kinds.ts (a test fails while they differ).
docs: build
	node dist/src/cli/write-docs.js docs/distros.md

# Rewrite docs/graphs/<example>.svg, the diagrams the README shows (a test fails while they are stale).
graphs: build
	for f in examples/*.yaml; do e=$$(basename $$f .yaml); bin/lvsgen graph $$f -o docs/graphs/$$e.svg || exit; done

# Quick start: render both bundled examples into ./out/<example>/.
example: build
	bin/lvsgen render examples/lb-nat.yaml -o out/lb-nat
	bin/lvsgen render examples/ha-cidr.yaml -o out/ha-cidr
	bin/lvsgen package examples/lb-nat.yaml -o out/packages
	bin/lvsgen package examples/ha-cidr.yaml -o out/packages

clean:
	rm -rf dist out
