# Entry points that need no set-up: each target creates .venv/ on first use and reinstalls
# only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# apache-otava, chapter 6.4's oracle, pins older numpy and scipy: it gets its own venv
OTAVA  := .venv-otava/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# pytest workers; the machines have 2 cores
JOBS   ?= 2
export NO_MKDOCS_2_WARNING := 1

.PHONY: help venv serve docs test explore mutate bench check clean

help:
	@echo "make serve  build the site (every chapter executed) and serve it on http://$(HOST):$(PORT)"
	@echo "           DIRTY=1: a save rebuilds only the changed pages (for writing prose)"
	@echo "make docs   strict build of the site into site/"
	@echo "make test   every test: unit, property, doctests, docs, examples, browser"
	@echo "make explore  property and fuzz tests, randomized and 10x longer (not in CI)"
	@echo "make mutate mutation score of the core modules (MUTATE_ARGS=\"-m tuning.mva --max-mutants 100\")"
	@echo "make bench  benchmarks against the peers, reported as ratios"
	@echo "make check  ruff and mypy over src/"
	@echo "make clean  remove build and test artefacts"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[docs,test]'
	@touch $(STAMP)

# Every save rebuilds the whole site, strictly. For writing prose, `make serve DIRTY=1`
# rebuilds only the pages whose Markdown changed (seconds, not the whole site; MkDocs'
# --dirty), but an edit in src/ or examples/ then shows only after a restart, and MkDocs
# warns on every dirty build, so that mode is not --strict.
serve: $(STAMP)
	$(BIN)/python -m otlpkb._site.generate
	$(BIN)/python -m otlpkb._site.prewarm -j $(JOBS)
	$(BIN)/mkdocs serve $(if $(DIRTY),--dirty,--strict) --dev-addr $(HOST):$(PORT)

docs: $(STAMP)
	rm -rf site
	$(BIN)/python -m otlpkb._site.generate
	$(BIN)/python -m otlpkb._site.prewarm -j $(JOBS)
	$(BIN)/mkdocs build --strict --site-dir site
	@test -f site/index.html || { echo "error: the build produced no site/index.html"; exit 1; }

$(OTAVA): tests/tuning/otava_env.py | $(STAMP)
	$(BIN)/python tests/tuning/otava_env.py

test: $(STAMP) $(OTAVA)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

explore: $(STAMP)
	HYPOTHESIS_PROFILE=dev OTLPKB_TEST_SCALE=$${OTLPKB_TEST_SCALE:-10} \
		$(BIN)/python -m pytest -n $(JOBS) -m "not site" tests

MUTATE := $(VENV)/.mutate-installed
MUTATE_ARGS ?=

$(MUTATE): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutate]'
	@touch $(MUTATE)

# not part of `make test`: each module's mutants against its own tests, a score table and
# mutation-score.json (docs/guide/contributing.md, "Mutation testing")
mutate: $(MUTATE)
	$(BIN)/python scripts/mutate.py $(MUTATE_ARGS)

bench: $(STAMP)
	@set -e; for script in scripts/bench/bench_*.py; do \
		echo "== $$script"; $(BIN)/python $$script $(BENCH_ARGS); echo; \
	done

check: $(STAMP)
	$(BIN)/ruff check src tests scripts examples
	$(BIN)/ruff format --check src
	$(BIN)/mypy

clean:
	rm -rf site build test-artifacts .pytest_cache .mypy_cache .ruff_cache
