# make run  - set up .venv and serve the demo app on http://127.0.0.1:5000
# make test - set up .venv and run the whole suite, ruff and mypy --strict
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

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
	$(PY) -m pytest -q
	$(PY) -m pytest -q tests/flask_ext
	$(VENV)/bin/ruff check src tests examples bench
	$(VENV)/bin/mypy --strict src/erlen

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src/erlen

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) bench/inprocess.py
	$(PY) bench/startup.py
	$(PY) bench/servers.py
	$(PY) bench/asgi_inprocess.py
	$(PY) bench/servers.py --interface asgi
	$(PY) bench/report.py

# Property tests at 5000 examples each (`make test` runs them at 100).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/fuzz

# The demo app under gunicorn (4 workers) and wrk for 180 s: leaks, 5xx, socket errors.
soak: $(STAMP)
	$(PY) bench/soak.py

# Flask 3.1.3's own test suite (from its sdist) run against Erlen through erlen.flask_patch;
# prints passed/of per test file. Needs the network once, to download the sdist. asgiref
# only lets test_async.py run (Flask skips it without); Erlen itself does not use it.
flask-suite: $(STAMP)
	$(PY) -m pip install --quiet "pytest-timeout>=2.3" "asgiref>=3.7"
	$(PY) scripts/flask_suite.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
