# Each target sets itself up: a fresh clone needs only python3 (3.11+) and the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint mutation browser office postgres clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: replay the Anxi 2017 campaign day by day (summary in var/replay/summary.json)
demo: install
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/canbao replay

## test: lint, type-check, then the whole suite. Locally the PostgreSQL tests skip when no server answers, the
## browser test when Chromium could not be installed, the notices' PDF checks when LibreOffice could not be, each
## with its reason. With CANBAO_REQUIRE_SERVICES=1 (`.ci/run`) each of these fails the run instead, with the reason:
## the postgres, browser and office targets below stop it before the suite, the tests fail rather than skip.
## The suite runs on TEST_WORKERS processes (pytest-xdist; 2 = the two cores), each test file's tests on one of
## them, so that a file's shared county, workspace or Prefect run is built once; each worker starts its own Prefect
## test server and uses its own temporary folders and PostgreSQL schemas. TEST_WORKERS=0 runs it in one process.
## Files are handed out in the order tests/conftest.py puts them (the Prefect end-to-end files first), not by size.
TEST_WORKERS ?= 2
test: install postgres lint browser office
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# A missing service: a note where the services are optional, the reason and a failed run where they are required.
missing = if [ -n "$${CANBAO_REQUIRE_SERVICES:-}" ] && [ "$${CANBAO_REQUIRE_SERVICES}" != 0 ]; then \
	echo "$(1) (CANBAO_REQUIRE_SERVICES=1: required)" >&2; exit 1; fi; echo "$(1), $(2) will be skipped"; exit 0

## postgres: with CANBAO_REQUIRE_SERVICES=1, checks that PostgreSQL answers at CANBAO_TEST_POSTGRES_URL (default
## postgresql://postgres@127.0.0.1:5432/test) and fails with the reason if not; otherwise nothing to do.
postgres: install
	@if [ -z "$${CANBAO_REQUIRE_SERVICES:-}" ] || [ "$${CANBAO_REQUIRE_SERVICES}" = 0 ]; then exit 0; fi; \
	$(BIN)/python -m tests.services postgres \
		|| { echo "postgres: the database tests cannot run (CANBAO_REQUIRE_SERVICES=1: required)" >&2; exit 1; }

## mutation: mutmut's mutants of the rule modules ([tool.mutmut] in pyproject.toml), each run against the tests
## of its module, then the score per module and the survivors (scripts/mutation_report.py; fails below 90 %).
## Not part of `make test`: about 35 minutes on two shared cores. Results are kept in mutants/, so a second run only
## tests mutants of changed functions; `mutmut run "tasks.scoring.*"` reruns one module.
MUTATION_CHILDREN ?= 2
mutation: install
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN)
	$(BIN)/python scripts/mutation_report.py

## browser: Debian's Chromium, which the web page's browser test drives; installed only where it is missing.
## Without apt (or root, or sudo without a password) the browser test skips with its reason, or, with
## CANBAO_REQUIRE_SERVICES=1, the run fails here.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		$(call missing,browser: no apt-get here to install chromium,the browser test); fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	echo "browser: installing Debian's chromium for the browser test"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
		|| { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium >/dev/null 2>&1; } \
		|| { $(call missing,browser: chromium could not be installed,the browser test); }; \
	[ -x $(CHROMIUM) ] || { $(call missing,browser: no $(CHROMIUM) after installing chromium,the browser test); }

## office: Debian's LibreOffice Writer (headless) and poppler's pdftotext, with which the notices' test renders
## a .docx to PDF and reads it back; installed only where missing. Where they cannot be installed the test skips,
## or, with CANBAO_REQUIRE_SERVICES=1, the run fails here.
## No CJK font is installed system-wide: the test points fontconfig (FONTCONFIG_FILE, a file in its temporary
## folder) at the Noto CJK fonts that the mplfonts package ships, see tests/office.py.
office:
	@if command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		$(call missing,office: no apt-get here to install LibreOffice and pdftotext,the notices' PDF test); fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	echo "office: installing Debian's libreoffice-writer-nogui and poppler-utils for the notices' PDF test"; \
	export DEBIAN_FRONTEND=noninteractive; \
	PACKAGES="libreoffice-writer-nogui poppler-utils"; \
	$$SUDO apt-get install -y -q --no-install-recommends $$PACKAGES >/dev/null 2>&1 \
		|| { $$SUDO apt-get update -q >/dev/null 2>&1 \
			&& $$SUDO apt-get install -y -q --no-install-recommends $$PACKAGES >/dev/null 2>&1; } \
		|| { $(call missing,office: LibreOffice and pdftotext could not be installed,the notices' PDF test); }; \
	command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
		|| { $(call missing,office: soffice or pdftotext still missing after the install,the notices' PDF test); }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache .mypy_cache .ruff_cache
