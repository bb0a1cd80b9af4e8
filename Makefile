# The two commands a fresh machine needs: `make run` (the app) and `make test` (the tests).
PY ?= python3
STAMP := .cache/deps.stamp
DEV_STAMP := .cache/dev-deps.stamp

.PHONY: run test lint eval bench

$(STAMP): requirements.txt
	mkdir -p .cache
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -r requirements.txt
	touch $@

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PY) -m pip install -r requirements-dev.txt
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium fonts-noto-cjk)
	touch $@

run: $(STAMP)
	$(PY) app.py

test: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) -m evaluation --testset testsets/dev_qa.jsonl

bench: $(STAMP)
	$(PY) -m bench
