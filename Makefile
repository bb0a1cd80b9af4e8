# The two commands a fresh machine needs: `make run` (the app) and `make test` (the tests).
# Both create and use the project's virtual environment `.venv`; nothing is installed into the
# system interpreter.  PYTHON picks the interpreter the environment is made from.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps.stamp
DEV_STAMP := $(VENV)/.dev-deps.stamp

.PHONY: run test lint eval bench

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -r requirements.txt
	$(PY) -m index.convert  # prepares the configured engine (converts the bundled model for engines that need it)
	touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt requirements-milvus.txt
	$(PY) -m pip install -r requirements-dev.txt
	$(PY) -m pip install -r requirements-milvus.txt  # the Milvus store's tests run on Milvus Lite
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium fonts-noto-cjk)
	touch $@

run: $(STAMP)
	$(PY) app.py $(ARGS)

test: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) -m evaluation --testset testsets/dev_qa.jsonl

bench: $(STAMP)
	$(PY) -m bench
	$(PY) -m bench.embed
