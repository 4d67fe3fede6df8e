# msp-maturity: `make run` to try it, `make test` to check it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Django 6.1 needs Python 3.12+. Try the usual names, then pyenv's and the system's
# versioned interpreters; a candidate counts only if it runs and is new enough.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] 2>/dev/null); do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v "$$p"; break; fi; done)

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast test-dates axe screenshots lint format migrations-check messages lock bench worker beat clean

# Every install takes the versions and hashes pinned in the lock files (`make lock`
# refreshes them): a fresh clone installs the same tree on any day.
$(PY):
	@if [ -z "$(PYTHON)" ]; then \
		echo "msp-maturity needs Python 3.12 or newer (Django 6.1)."; \
		echo "Install python3.12 or python3.13, or run: make PYTHON=/path/to/python3.12 run"; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	"$(PYTHON)" -m venv $(VENV)

$(STAMP): pyproject.toml requirements-dev.lock | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@# Fails when pyproject.toml asks for something the lock file lacks: run `make lock`.
	$(PY) -m pip check
	@touch $(STAMP)

# Links in development e-mails point at this server (settings.dev_site_url reads the
# runserver address; the schedules process beside it gets SITE_URL from here).
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/ (stop with Ctrl-C)"
	@# Without Redis there is no celery beat: the schedule runs in a process beside the
	@# server (pulse, onboarding surveys, reminders, closing, threshold checks).
	@if [ -z "$$REDIS_URL" ]; then $(PY) manage.py run_schedules & fi; \
	trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# axe-core for the accessibility test (tests/e2e/test_axe.py), from npm at the version
# pinned in tests/axe/package-lock.json.
AXE := tests/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs npm for axe-core (apt-get install npm)"; exit 1; }
	npm ci --prefix tests/axe --no-audit --no-fund
	@touch $(AXE)
axe: $(AXE)

# The whole suite: everything but the real-worker tests on two processes, then those
# (they share one Redis broker, so they run one at a time).
test: $(STAMP) $(AXE)
	$(PY) -m pytest -n 2 -m "not services"
	$(PY) -m pytest -m services

test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e and not services and not upgrade"

# The fast suite with the system clock moved (Debian's faketime), at two moments that
# each hold several edges that have broken the suite before: a leap day at noon, and
# New Year's Eve 2027 half an hour before midnight UTC, which in Berlin (the product's
# time zone) is already Saturday, 1 January 2028: a weekend, a new year, month and
# quarter, the last ISO week of the old year, and a UTC date that differs from the local
# one. The property tests try a fifth of their inputs here (tests/helpers.py, fuzz).
TEST_DATES ?= 2028-02-29 12:00:00|2027-12-31 23:30:00
test-dates: $(STAMP)
	@command -v faketime >/dev/null || { echo "make test-dates needs faketime (apt-get install faketime)"; exit 1; }
	@dates='$(TEST_DATES)'; IFS='|'; for moment in $$dates; do \
		echo "== the fast suite at $$moment UTC"; \
		env -u CI -u DATABASE_URL -u REDIS_URL TZ=UTC TEST_AT_OTHER_DATES=1 faketime "$$moment" \
			$(PY) -m pytest -q -p no:cacheprovider -n 2 -m "not e2e and not services and not upgrade" || exit 1; \
	done

# Every page (as each role sees it, on demo data) at 1366x900 and 390x844 in German and
# English, as full-page PNGs in screenshots/<language>-<width>/ (tests/e2e/screenshots.py).
screenshots: $(STAMP)
	rm -rf screenshots
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -q -p no:cacheprovider -n 4 tests/e2e/screenshots.py
	@echo "Screenshots in $(CURDIR)/screenshots/"

# Dead code: vulture over the product packages. Tests, migrations and bench/ are left
# out, so a function only tests call counts as dead. vulture reads Python names only, so
# what Django and Celery reach by a string is declared rather than guessed from
# confidence levels (every unused function, class, method and attribute scores 60 %,
# the same as the false positives):
# - VULTURE_HOOKS: names the frameworks call on any class that defines them (Meta and
#   admin options, form and view attributes, clean_* methods, AppConfig.ready, management
#   commands, URL modules, a signal receiver's `sender`);
# - VULTURE_REGISTERED: what a decorator registers (admin classes, actions and columns,
#   Celery tasks, signal receivers, template filters and tags);
# - vulture_whitelist.py: the rest, by reason (dotted paths in the settings, settings
#   names, model fields used only in queries, names only templates read).
VULTURE_PATHS := core accounts organisation assessments surveys kpis ratings integrations insights \
	demo msp_maturity
VULTURE_EXCLUDE := */migrations/*
VULTURE_HOOKS := Meta ordering constraints indexes abstract default_auto_field \
	verbose_name verbose_name_plural *Config ready default_site authenticate \
	list_display list_display_links list_filter list_select_related list_editable \
	search_fields date_hierarchy raw_id_fields autocomplete_fields readonly_fields \
	fields exclude fieldsets inlines actions filter_horizontal filter_vertical \
	show_full_result_count show_change_link can_delete extra site_header site_title \
	get_readonly_fields get_fieldsets get_queryset get_deleted_objects changelist_view \
	has_*_permission save_model delete_model delete_queryset lookups queryset \
	parameter_name title help_texts labels widgets default_error_messages \
	default_validators label_from_instance clean_* form_class template_name \
	success_url extra_context redirect_authenticated_user get_absolute_url \
	Command help add_arguments handle urlpatterns app_name handler* application sender
VULTURE_REGISTERED := @admin.register @admin.action @admin.display @shared_task \
	@receiver @register.filter @register.simple_tag @register.inclusion_tag @checks.register
comma := ,
commas = $(subst $() ,$(comma),$(strip $(1)))
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@echo "vulture $(VULTURE_PATHS) (options: Makefile, vulture_whitelist.py)"
	@$(VENV)/bin/vulture $(VULTURE_PATHS) vulture_whitelist.py --exclude '$(VULTURE_EXCLUDE)' \
		--ignore-names '$(call commas,$(VULTURE_HOOKS))' \
		--ignore-decorators '$(call commas,$(VULTURE_REGISTERED))'

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

# Regenerate the German catalogues from the source and compile them; the compiled
# .mo files are committed so that a fresh clone needs no gettext.
messages: $(STAMP)
	$(PY) manage.py makemessages -l de --no-location -i '.venv/*' -i 'staticfiles/*' -i 'bench/*'
	$(PY) manage.py compilemessages -l de -i '.venv'

# Re-resolve the lock files after a change to pyproject.toml, keeping the other pins;
# `make lock UPGRADE=1` takes the newest versions the ranges allow. One resolution for
# Python 3.12 and newer (markers where they differ), with hashes for every platform.
UV_VERSION := 0.13.9
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 \
	--generate-hashes --no-header --quiet $(if $(UPGRADE),--upgrade)
# Needs only the virtual environment: the installed tree may still lack what was just
# added to pyproject.toml.
lock: | $(PY)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) --extra dev -o requirements-dev.lock
	@# Production is the same tree without the development tools.
	$(UV_COMPILE) -c requirements-dev.lock -o requirements.lock

bench: $(STAMP)
	$(PY) -m bench

worker: $(STAMP)
	$(VENV)/bin/celery -A msp_maturity worker --loglevel=INFO

beat: $(STAMP)
	$(VENV)/bin/celery -A msp_maturity beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles test-artifacts screenshots tests/axe/node_modules .pytest_cache
