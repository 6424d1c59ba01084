# The two commands a newcomer needs:
#   make run   - install what is missing, build, start server + local agent
#   make test  - install what is missing, build, run every test
# Both are safe to run again.

PRESET ?= $(if $(CI),ci,debug)

# Let ccache reuse objects across clones in different directories.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
DATA_DIR ?= $(CURDIR)/.run
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps restic-018 build test test-unit test-fuzz run bench release package test-package clean format

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

# Debian 13's restic 0.18 in the build tree (a private apt configuration;
# the machine's apt sources are never changed): the restic suites run with it
# too. Fetched before configuring, so CMake registers that second run.
restic-018: deps
	@scripts/fetch-restic.sh build/restic-0.18 trixie >/dev/null

test: restic-018 build test-fuzz
	ctest --preset $(PRESET) -j2

test-fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz
	ctest --preset fuzz

release: deps
	cmake --preset release
	cmake --build --preset release

# Debian packages from the release preset into build/packages/:
# restic-manager-server (carrying the agent package it offers to new hosts),
# restic-manager-agent, restic-manager-cli.
package: deps
	scripts/build-packages.sh release

# The package tests on those release packages, the debootstrap install with
# one real backup included (root and network to deb.debian.org; minutes).
# `make test` runs the quick ones (systemd-analyze verify, lintian) on
# packages of its own build tree.
test-package: package
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) --target restic-manager-server restic-manager-agent restic-manager
	RMGR_TEST_PACKAGES=$(CURDIR)/build/packages ctest --test-dir build/$(PRESET) -L package --output-on-failure

run: release
	scripts/run-local.sh "$(DATA_DIR)" "$(LISTEN)"

bench: release
	bench/run.sh

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
