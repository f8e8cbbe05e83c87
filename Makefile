# Newcomer entry points. Run as root on Debian 12 (apt + the lab's daemons need it).
#   make demo  - set everything up, fill the lab with demo jobs, open hpctui on it
#   make test  - set everything up, run the whole test suite (what CI runs)
#   make check - lint, format, type and layer checks (part of make test)
#   make lab   - just start the lab (lab/up)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
LAB_DIR := $(or $(HPCTUI_LAB_DIR),/tmp/hpctui-lab)
export HPCTUI_LAB_DIR := $(LAB_DIR)

.PHONY: demo test check lab down setup python clean-venv

demo: setup
	lab/demo
	exec $(VENV)/bin/hpctui --config $(LAB_DIR)/hpctui.yaml

# The contracts first (lint, format, types, layers), then the suite as on a machine that never
# ran hpctui: a fresh, empty HOME. Tests mostly wait on Slurm, so they run 8 at a time; the few
# that stop a daemon of the shared lab (marked serial) run alone afterwards.
test: setup check
	HOME=$$(mktemp -d) $(VENV)/bin/python -m pytest -q -n 8 --dist worksteal -m "not serial"
	HOME=$$(mktemp -d) $(VENV)/bin/python -m pytest -q -m serial

check: $(VENV)/.installed
	$(VENV)/bin/ruff check hpctui tests bench
	$(VENV)/bin/ruff format --check hpctui tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

lab:
	lab/up

down:
	lab/down

setup: $(VENV)/.installed lab

# Debian's python3 has no venv/ensurepip until python3-venv is installed.
python:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "installing python3-venv"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv >/dev/null || \
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv >/dev/null; }; }

$(VENV)/.installed: pyproject.toml | python
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

clean-venv:
	rm -rf $(VENV)
