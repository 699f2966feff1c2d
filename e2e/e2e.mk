# End-to-end run on real kernels (included from the top Makefile).
#   make e2e-deps               Debian packages a fresh machine needs (root)
#   make e2e                    prepare, build and lint every era (6.1, 6.12, arm64); ERA=6.12 for one
#   make e2e-build              prepare and build every series image, no linting
#   make e2e-debian             fetch Debian's 6.1 and 6.12 cloud-amd64 and 6.12 cloud-arm64 debug vmlinux images
# Work trees and images live outside the repository, in E2E_DIR.

E2E_SRC := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
VENV ?= .venv
ERA ?= 6.1 6.12 arm64
E2E_DIR ?= /var/tmp/entrylint-e2e
export E2E_DIR

E2E_ERAS := $(foreach era,$(ERA),--era $(era))

.PHONY: e2e e2e-deps e2e-prepare e2e-build e2e-apply e2e-debian

e2e-deps:
	sh $(E2E_SRC)/deps.sh

e2e-prepare:
	for era in $(ERA); do sh $(E2E_SRC)/prepare.sh $$era || exit 1; done

e2e-apply: e2e-prepare
	python3 $(E2E_SRC)/run.py --apply-only $(E2E_ERAS)

e2e-build: e2e-prepare
	$(VENV)/bin/python $(E2E_SRC)/run.py --build-only --entrylint $(VENV)/bin/entrylint $(E2E_ERAS)

# Needs entrylint installed in $(VENV) (`make venv`); run.py says so when it is missing.
e2e: e2e-prepare
	$(VENV)/bin/python $(E2E_SRC)/run.py --entrylint $(VENV)/bin/entrylint $(E2E_ERAS)

e2e-debian:
	sh $(E2E_SRC)/debian_images.sh
