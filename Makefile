# The two commands a newcomer runs: `make run` and `make test`.
# Both create .venv with Python 3.11 and install the project; the stamp file makes
# later runs skip the install until pyproject.toml changes.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck format messages mutation bench bench-import-export bench-registry bench-screening bench-queue bench-public bench-province lighthouse clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The demo runs as a county would see the portal: DEBUG off, so a page outside one's area
# is the portal's own Chinese 404, never Django's debug page (URL patterns, tracebacks
# with residents' data). DJANGO_DEBUG=true make run gives the debug pages back.
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(PY) manage.py seed_demo --if-empty --force
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(PY) manage.py demo_screening --if-empty
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(PY) manage.py demo_points --if-empty --force
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(PY) manage.py demo_grids --if-empty
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(PY) manage.py demo_notices --if-empty --force
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m mypy

# mypy with django-stubs over every app, config, the commands and bench/ (pyproject's [tool.mypy])
typecheck: $(STAMP)
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Needs GNU gettext (xgettext, msgfmt); the compiled .mo files are committed so that
# `make run` works with Python alone.
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs --ignore="*/tests/*"
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

# Mutation testing of scoping, masking, scoring and the points ledger (docs/testing.md);
# about an hour. It rewrites the modules while it runs: start it on a clean tree.
# MUTATION_DATABASE_URL=postgres://… runs the scoring's mutants on PostgreSQL too;
# MODULES="villages/scoping.py" runs one module.
mutation: $(STAMP)
	$(PY) tools/mutation.py $(MODULES)

bench: $(STAMP)
	$(PY) bench/run.py

# Would django-import-export hold the registry's import? Residents through the service,
# by its import_data, on make bench's PostgreSQL database (docs/benchmarks.md, issue 23).
bench-import-export: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portal_bench} $(PY) bench/registry_resource.py

# The registry at county scale (issue 7): 200,000 households in PostgreSQL (database
# portal_bench, built once, about 6 minutes), gunicorn + wrk + a Celery worker; prints one
# line of figures (docs/benchmarks.md). Needs PostgreSQL and Redis on 127.0.0.1.
bench-registry: $(STAMP)
	$(PY) bench/registry.py

# The nightly screening on a 250,000-household county and a 2,000,000-row feed (issue 8).
bench-screening: $(STAMP)
	$(PY) bench/screening.py

# The township's alert queue with 100,000 alerts in the county (bench-screening's data
# set), gunicorn + wrk; ends with req_per_s=… p99_ms=… (docs/benchmarks.md).
bench-queue: $(STAMP)
	$(PY) bench/alert_queue.py

# The public household page (what a plaque scan opens) under gunicorn and wrk, on the demo
# data in PostgreSQL; ends with req_per_s=… p99_ms=… (docs/benchmarks.md).
bench-public: $(STAMP)
	$(PY) bench/public.py

# A province's night (issue 27): COUNTIES counties of 200,000 households (built once, some
# 3 minutes a county) and their departments' files, the nightly chord on WORKERS Celery
# workers; ends with counties=… wall_s=… rows_per_s=… (docs/benchmarks.md).
COUNTIES ?= 2
WORKERS ?= 1
CITUS ?=
bench-province: $(STAMP)
	COUNTIES=$(COUNTIES) WORKERS=$(WORKERS) CITUS=$(CITUS) $(PY) bench/province.py

# Lighthouse (npm, Debian's chromium, mobile preset) on the public household page and the
# village leaderboard: performance and accessibility (docs/benchmarks.md).
lighthouse: $(STAMP)
	$(PY) bench/lighthouse.py

clean:
	rm -rf $(VENV) var/db.sqlite3
