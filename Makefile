# Two commands do all the set-up on a fresh machine (Python 3.11, git, make):
#   make demo   install (pinned) and run the main job on the demo data
#   make test   install (pinned) and run the whole test suite
# (make test-spark: the Spark parity test, about 10 minutes more; CI runs both)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install browser demo cdnow test test-spark dev lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH (or: make PYTHON=/path/to/python3.11 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps lifetimes==0.11.3
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m orchestration.cli run --dataset demo

cdnow: $(STAMP)
	$(PY) -m orchestration.cli run --dataset cdnow

# The report's browser test drives Debian's chromium through chromium-driver
# (matching versions, nothing downloaded). Installed with apt-get when missing
# and this user may (root, or sudo without a password); otherwise the test is
# skipped and says why.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then echo "no apt-get: install chromium and chromedriver yourself, or the browser test skips"; \
	else SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	  || echo "could not install chromium and chromium-driver with apt-get: the browser test will skip"; fi

test: $(STAMP) browser
	$(PY) -m pytest

# The same project on Apache Spark against DuckDB (needs Java 17), on its own:
# one Spark session in local mode wants both cores.
test-spark: $(STAMP)
	$(PY) -m pytest -m spark -n 0 tests/test_spark_parity.py

dev: $(STAMP)
	mkdir -p .dagster_home && cp dagster.yaml .dagster_home/dagster.yaml
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH DAGSTER_HOME=$(CURDIR)/.dagster_home $(VENV)/bin/dagster dev

lock: $(STAMP)
	{ sed -n '1,3p' requirements.lock; $(PY) -m pip freeze | grep -iv '^lifetimes=='; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf target logs warehouse data/demo data/cdnow test-artifacts
