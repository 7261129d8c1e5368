# make run  - set up .venv and serve the demo app on http://127.0.0.1:5000
# make test - set up .venv and run the layering check, the whole suite, ruff and mypy --strict
#             (over Erlen, and over tests/type_check: user code written against its public API)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# apt-get as root, else through sudo: wrk (load generator) comes from Debian's packages.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
INSTALL_WRK = command -v wrk >/dev/null 2>&1 || $(SUDO) apt-get install -y -qq wrk \
	|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

.PHONY: run test lint typecheck hello bench fuzz soak flask-suite clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,flask-ext]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m erlen --app examples/users/wsgi.py run --host 127.0.0.1 --port 5000

hello: $(STAMP)
	$(PY) examples/hello.py

test: $(STAMP)
	$(PY) -m pytest -q tests/test_layers.py
	$(PY) -m pytest -q
	$(PY) -m pytest -q tests/flask_ext
	$(VENV)/bin/ruff check src tests examples bench
	$(VENV)/bin/mypy --strict src/erlen tests/type_check

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src/erlen tests/type_check

bench: $(STAMP)
	@$(INSTALL_WRK)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/inprocess.py
	$(PY) bench/startup.py
	$(PY) bench/servers.py
	$(PY) bench/asgi_inprocess.py
	$(PY) bench/servers.py --interface asgi
	$(PY) bench/report.py

# Property tests at 5000 examples each (`make test` runs them at 100).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/fuzz tests/test_header_safety.py

# The demo app under erlen run (waitress, the default server) and wrk for 180 s: fails on any
# 5xx or socket error, or RSS growing over 10% after the warm-up. SOAK_ARGS="--server gunicorn".
soak: $(STAMP)
	@$(INSTALL_WRK)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/soak.py $(SOAK_ARGS)

# Flask 3.1.3's own test suite (from its sdist) run against Erlen through erlen.flask_patch;
# prints passed/of per test file. Needs the network once, to download the sdist. asgiref
# only lets test_async.py run (Flask skips it without); Erlen itself does not use it.
flask-suite: $(STAMP)
	$(PY) -m pip install --quiet "pytest-timeout>=2.3" "asgiref>=3.7"
	$(PY) scripts/flask_suite.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
