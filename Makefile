# Two commands: `make run` starts the whole stack, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AMQP_URI ?= amqp://guest:guest@127.0.0.1:5672/
RABBIT_API_URI ?= http://guest:guest@127.0.0.1:15672
CHROMIUM ?= /usr/bin/chromium
PYTEST_RABBIT := --amqp-uri=$(AMQP_URI) --rabbit-ctl-uri=$(RABBIT_API_URI)

.PHONY: backup restore run demo bench wrk test test-deploy image test-unit test-services test-gateway test-e2e lint messages deps rabbitmq rabbitmq-management chromium lock clean

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# Browser libraries the gateway serves itself (no CDN), from the npm registry.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }; } || \
	  { echo "npm is missing: run 'sudo apt-get install -y npm'"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(BIN)/.installed node_modules/.installed

rabbitmq:
	@tools/ensure-rabbitmq.sh

rabbitmq-management:
	@tools/ensure-rabbitmq.sh --management

# Browser tests drive Debian's Chromium; install it when we may (root with apt).
chromium:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } || \
	  { echo "Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROMIUM=path)"; exit 1; }

run: deps rabbitmq
	$(BIN)/python -m tools.stack

# The embedded database: a backup now into data/backups (the stack running), or a restore (stopped).
backup: deps
	$(BIN)/python -m tools.backup

restore: deps
	@test -n "$(FILE)" || { echo "usage: make restore FILE=data/backups/ndld-….tar.gz"; exit 2; }
	$(BIN)/python -m tools.backup --restore "$(FILE)"

# Against a running stack (`make run` in another terminal): a market day in miniature.
demo: deps
	$(BIN)/python -m tools.demo $(DEMO_ARGS)

test: deps rabbitmq-management chromium lint test-unit test-deploy test-services test-gateway test-e2e

lint: deps
	$(BIN)/ruff check .
	$(BIN)/mypy

test-unit: deps
	$(BIN)/pytest -q tests/unit

# The bench's HTTP load generator (C, LuaJIT scripts): Debian's wrk, installed when we may (root with apt).
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; } || \
	  { echo "wrk is missing: run 'sudo apt-get install -y wrk'"; exit 1; }

# Load scenarios against a fresh stack of its own (or BENCH_URL); BENCH_ARGS=--quick for a couple of minutes.
# Never part of `make test`.
bench: deps rabbitmq-management wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Kubernetes manifests: every overlay renders and validates; no cluster or binary needed.
test-deploy: deps
	$(BIN)/pytest -q tests/deploy

test-services: deps rabbitmq-management
	PYTHONWARNINGS=ignore:::nameko.cli.commands $(BIN)/nameko test -q tests/services $(PYTEST_RABBIT)

test-gateway: deps rabbitmq-management
	$(BIN)/pytest -q tests/gateway $(PYTEST_RABBIT)

test-e2e: deps rabbitmq-management chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q tests/e2e $(PYTEST_RABBIT)

IMAGE ?= ndld:0.1.0

# The one image every process runs (Docker with BuildKit, from the repository root).
image:
	docker build -f deploy/Dockerfile -t $(IMAGE) .

# Every text key the code, pages and scripts use, into the template (gateway/locale/babel.cfg), then every
# language's catalog: new keys come in empty for the translators, keys no longer used go.
BABEL := $(BIN)/python -m babel.messages.frontend
messages: deps
	$(BABEL) --quiet extract --no-location --sort-output --project="Digital Learning Day" \
	  --header-comment="# Every text of Digital Learning Day, keyed. A new language: README, Languages." \
	  -F gateway/locale/babel.cfg -o gateway/locale/messages.pot .
	$(BABEL) --quiet update --no-fuzzy-matching --ignore-obsolete -i gateway/locale/messages.pot -d gateway/locale

# Re-pin every package after editing requirements.in.
lock:
	rm -rf /tmp/ndld-lock && $(PYTHON) -m venv /tmp/ndld-lock
	/tmp/ndld-lock/bin/pip install --quiet -r requirements.in
	/tmp/ndld-lock/bin/pip freeze > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache node_modules
