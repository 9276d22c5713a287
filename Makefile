# Zikao: `make run` starts the whole system, `make test` runs every test. Both install what
# they need first (uv, the Python workspace, the Node tooling for composition and Hive Gateway).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.local/bin:$(PATH)

UV := uv
SUBGRAPHS := identity records documents
SUPERGRAPH ?= gateway/supergraph.graphql
SUBGRAPH_DIR ?= gateway/subgraphs
SUBGRAPH_URL_identity := http://127.0.0.1:8001/graphql
SUBGRAPH_URL_records := http://127.0.0.1:8002/graphql
SUBGRAPH_URL_documents := http://127.0.0.1:8003/graphql

.PHONY: help install run test lint compose hive-gateway clean-run bench-seats
.PHONY: migrate demo shell validate-compose

help:
	@echo "make run      start PostgreSQL/Redis (embedded unless DATABASE_URL/REDIS_URL), services, worker, gateway"
	@echo "make test     run every test (against DATABASE_URL/REDIS_URL, else embedded servers)"
	@echo "make lint     ruff and mypy"
	@echo "make compose  print each subgraph's SDL and compose gateway/supergraph.graphql"
	@echo "make hive-gateway  serve the supergraph with Hive Gateway over running subgraphs"
	@echo "make migrate  every service's migrations (and records' catalogue) on make run's database"
	@echo "make demo     the migrations, then make run's demo data"
	@echo "make shell    a shell with the workspace's commands and make run's DATABASE_URL/REDIS_URL"
	@echo "make validate-compose  check docker-compose.yml (schema and references)"

.venv/.synced: uv.lock pyproject.toml
	@# A Python marked externally managed (Debian's) refuses --user installs without the flag.
	@command -v $(UV) >/dev/null || python3 -m pip install --user --quiet uv \
	  || python3 -m pip install --user --quiet --break-system-packages uv
	$(UV) sync --frozen
	@touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: .venv/.synced node_modules/.package-lock.json

# The Python commands need only the workspace (.venv/.synced installs uv when missing).
# `zikao-run exec --database zikao` gives make run's database (embedded unless DATABASE_URL).
ON_RUN_DATABASE := $(UV) run --no-sync zikao-run exec --database zikao --

run: install
	$(UV) run --no-sync zikao-run run

test: install
	$(UV) run --no-sync zikao-run exec -- pytest

lint: install
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy

compose: install
	@mkdir -p $(SUBGRAPH_DIR)
	@for s in $(SUBGRAPHS); do \
	  $(UV) run --no-sync python -m zikao_kit.sdl zikao_$$s.schema:schema $(SUBGRAPH_DIR)/$$s.graphql || exit 1; \
	done
	node gateway/compose.mjs --out $(SUPERGRAPH) \
	  $(foreach s,$(SUBGRAPHS),$(s)=$(SUBGRAPH_URL_$(s))=$(SUBGRAPH_DIR)/$(s).graphql)

hive-gateway: install
	npx --no-install hive-gateway supergraph gateway/supergraph.graphql \
	  --config-path gateway/gateway.config.mjs --port $${GATEWAY_PORT:-4000}

migrate: .venv/.synced
	$(ON_RUN_DATABASE) bash -c 'for s in $(SUBGRAPHS); do python -m zikao_$$s migrate || exit; done'

demo: .venv/.synced
	$(ON_RUN_DATABASE) bash -c \
	  'for s in $(SUBGRAPHS); do python -m zikao_$$s migrate && python -m zikao_$$s demo || exit; done'

shell: .venv/.synced
	$(ON_RUN_DATABASE) $${SHELL:-bash}

validate-compose: .venv/.synced
	UV=$(UV) bash .ci/validate-compose.sh

clean-run:
	rm -rf .run

bench-seats: install
	$(UV) run --no-sync zikao-run exec -- python bench/seats.py

.PHONY: bench-ticket-batches
bench-ticket-batches: install
	$(UV) run --no-sync zikao-run exec -- python bench/ticket_batches.py

.PHONY: bench-identity
bench-identity: install
	$(UV) run --no-sync zikao-run exec -- python bench/identity.py

.PHONY: bench-scores
bench-scores: install
	$(UV) run --no-sync zikao-run exec -- python bench/scores.py

.PHONY: bench-release-day
bench-release-day: install
	$(UV) run --no-sync zikao-run exec -- python bench/release_day.py

.PHONY: bench-graduation
bench-graduation: install
	$(UV) run --no-sync zikao-run exec -- python bench/graduation.py

.PHONY: bench-gateway
bench-gateway: install
	$(UV) run --no-sync zikao-run exec -- python bench/gateway.py

# The PDFs' Chinese fonts, converted once from the packaged OpenType into the environment
# (zikao_documents.fonts); a converted font is kept, so this is quick after the first time.
.PHONY: fonts bench-documents
install: fonts
fonts: .venv/.synced
	$(UV) run --no-sync python -m zikao_documents.fonts

bench-documents: install
	$(UV) run --no-sync zikao-run exec -- python bench/documents.py

# GraphiQL's files (GraphiQL, React, ReactDOM from node_modules) copied into kit, which serves
# them to the gateway's and the subgraphs' GraphiQL (zikao_kit.graphiql): no CDN at run time.
.PHONY: graphiql-assets chromium
install: graphiql-assets chromium
graphiql-assets: .venv/.synced node_modules/.package-lock.json
	$(UV) run --no-sync python -m zikao_kit.graphiql node_modules

# Debian's chromium for the GraphiQL browser test (tests/test_graphiql_browser.py), as root or
# through sudo; where neither can install it, that test is skipped and says why.
APT_INSTALL := env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
chromium:
	@command -v chromium >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ]; then as=; elif sudo -n true 2>/dev/null; then as="sudo -n"; \
	else echo "chromium: not installed (needs root or sudo); the browser test will be skipped"; exit 0; fi; \
	$$as $(APT_INSTALL) || { $$as apt-get update && $$as $(APT_INSTALL); } \
	  || echo "chromium: apt-get could not install it; the browser test will be skipped"

# The manifest of trusted documents the frontends build with: one entry per operation of
# clients/candidate.graphql, "sha256:<hex>" → its text (see README, The gateway's edge).
.PHONY: trusted-documents
trusted-documents: .venv/.synced
	$(UV) run --no-sync python -m zikao_gateway.trusted

# Faults injected into a whole system on its own embedded PostgreSQL and Redis (bench/faults):
# one line per fault, last `faults survived: S/N (lost L)`.
.PHONY: faults
faults: install
	$(UV) run --no-sync python -m bench.faults

# The abuse suite (bench/abuse, issue 16): a whole system of its own, every attack through
# the gateway, one line per case and, last, `abuse cases refused: R/N`.
.PHONY: abuse
abuse: install
	$(UV) run --no-sync zikao-run exec -- python -m bench.abuse

# Ten minutes of mixed load on a whole system of its own (bench/soak, issue 16): sign-ups,
# payments, admission tickets and result reads; every process's memory, descriptors and
# connections sampled each minute, then the queues drained and the ledger checked. One line a
# process (start → end), last `soak: 600 s, N operations (errors E); … lost L`.
.PHONY: bench-soak
bench-soak: install
	$(UV) run --no-sync python -m bench.soak
