# Each target sets itself up: a fresh clone needs only python3 (3.11+) and the package registry.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint mutation browser office clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: replay the Anxi 2017 campaign day by day (summary in var/replay/summary.json)
demo: install
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/canbao replay

## test: lint, type-check, then the whole suite (PostgreSQL tests skip when no server answers, the browser
## test when Chromium could not be installed, the notices' PDF check when LibreOffice could not be)
test: install lint browser office
	$(BIN)/pytest

## mutation: mutmut's mutants of the rule modules ([tool.mutmut] in pyproject.toml), each run against the tests
## of its module, then the score per module and the survivors (scripts/mutation_report.py; fails below 90 %).
## Not part of `make test`: about 35 minutes on two shared cores. Results are kept in mutants/, so a second run only
## tests mutants of changed functions; `mutmut run "tasks.scoring.*"` reruns one module.
MUTATION_CHILDREN ?= 2
mutation: install
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN)
	$(BIN)/python scripts/mutation_report.py

## browser: Debian's Chromium, which the web page's browser test drives; installed only where it is missing.
## Never fails the run: without apt (or root, or sudo without a password) the browser test skips with its reason.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "browser: no apt-get here, the browser test will be skipped"; exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	echo "browser: installing Debian's chromium for the browser test"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
		|| { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium >/dev/null 2>&1; } \
		|| echo "browser: chromium could not be installed, the browser test will be skipped"

## office: Debian's LibreOffice Writer (headless) and poppler's pdftotext, with which the notices' test renders
## a .docx to PDF and reads it back; installed only where missing, never fails the run (the test then skips).
## No CJK font is installed system-wide: the test points fontconfig (FONTCONFIG_FILE, a file in its temporary
## folder) at the Noto CJK fonts that the mplfonts package ships, see tests/office.py.
office:
	@if command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "office: no apt-get here, the notices' PDF test will be skipped"; exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi; \
	echo "office: installing Debian's libreoffice-writer-nogui and poppler-utils for the notices' PDF test"; \
	export DEBIAN_FRONTEND=noninteractive; \
	PACKAGES="libreoffice-writer-nogui poppler-utils"; \
	$$SUDO apt-get install -y -q --no-install-recommends $$PACKAGES >/dev/null 2>&1 \
		|| { $$SUDO apt-get update -q >/dev/null 2>&1 \
			&& $$SUDO apt-get install -y -q --no-install-recommends $$PACKAGES >/dev/null 2>&1; } \
		|| echo "office: LibreOffice could not be installed, the notices' PDF test will be skipped"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache .mypy_cache .ruff_cache
