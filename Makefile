# Every target is a thin wrapper: the work is in npm scripts, turbo tasks and scripts/.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export TURBO_TELEMETRY_DISABLED := 1
export DO_NOT_TRACK := 1

# Node.js 24 for every target: the machine's node when it is new enough, else the version in
# .nvmrc unpacked once from the npm registry into .tools/ (scripts/ensure-node.sh says so).
NODE_BIN := $(shell bash scripts/ensure-node.sh)
ifeq ($(NODE_BIN),)
$(error Node.js $(shell cat .nvmrc) is needed: scripts/ensure-node.sh could not provide it (see above))
endif
export PATH := $(NODE_BIN):$(PATH)
ifneq ($(findstring /.tools/node-,$(NODE_BIN)),)
export npm_config_nodedir := $(patsubst %/bin,%,$(NODE_BIN))
endif

.PHONY: help install build dev monitor test lint typecheck clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# npm rewrites node_modules/.package-lock.json on every install: reinstall only when the
# committed lockfile is newer (a pull changed it), never behind a developer's back otherwise.
node_modules: node_modules/.package-lock.json
node_modules/.package-lock.json: package-lock.json
	npm ci

install: ## Install the dependencies exactly as locked (npm ci)
	npm ci

build: node_modules ## Compile every package and service
	npx turbo run build

dev: node_modules ## Run Redis and every service with reload on save (Ctrl-C stops all)
	node scripts/dev.mjs

monitor: node_modules ## Run Prometheus (and redis_exporter) against make dev, UI on :9090
	node scripts/monitor.mjs

test: prerequisites node_modules ## Lint, typecheck and run every test (unit, integration, e2e) against real Redis
	npx turbo run lint typecheck build
	@# Workspace tests two at a time: they spend most of their time waiting (windows, failovers,
	@# timeouts), about half of it on CPU. The tests that time whole systems then run alone: the
	@# deploy checks (a Sentinel failover of the Redis chart's pods, bounded in seconds, took
	@# 8.5 s instead of 2-4 beside accounts' password hashing) and e2e (whole platforms). Each
	@# runs its untimed tests (chart renders; builds of a copy of the repository) niced beside
	@# its timed ones: packages/jest-config/jest-beside.js.
	npx turbo run test --concurrency=2 --filter='!@platform/e2e' --filter='!@platform/deploy-checks'
	npx turbo run test --filter=@platform/deploy-checks
	npx turbo run test --filter=@platform/e2e

.PHONY: prerequisites
prerequisites: ## Check that redis-server, Prometheus and redis_exporter are installed (prints the install line)
	@bash scripts/prerequisites.sh check

lint: node_modules ## Lint every workspace
	npx turbo run lint

typecheck: node_modules ## Typecheck every workspace, tests included
	npx turbo run typecheck

.PHONY: bench
bench: node_modules ## Benchmarks (~15 min): bench/RESULTS.md + results.json; BENCH_QUICK=1 for 1-2 min, see bench/README.md
	npx turbo run build --filter='./services/*...' --filter='@platform/bench...'
	cd bench && npm run --silent bench

.PHONY: bench-report
bench-report: node_modules ## Write bench/RESULTS.md again from results.json, with the current bench/analysis.md
	npx turbo run build --filter='@platform/bench' --output-logs=errors-only
	cd bench && npm run --silent report

# ---- The service registry (services/*/package.json "platform") ---------------------------------
.PHONY: services derive service

services: ## List the services of the registry (role, ports, transports, calls, Redis access)
	@node packages/registry/cli.mjs list

derive: ## Rewrite the files derived from the registry (charts/platform/services/*.json)
	@node packages/registry/cli.mjs derive

KIND ?= rpc
ROUTE ?= no
DESCRIPTION ?= The $(NAME) service.
# ROUTE=yes with a worker is refused here as well as by the generator: turbo gen exits 0 when
# its generator refuses, and a script must see the failure.
service: node_modules ## Add a service: make service NAME=orders [KIND=rpc|worker] [ROUTE=yes] [DESCRIPTION="..."]; rpc answers requests, worker runs its queue's jobs
	@test -n "$(NAME)" || { echo 'usage: make service NAME=<name> [KIND=rpc|worker] [ROUTE=yes]' >&2; exit 2; }
	@test "$(ROUTE)" != yes || test "$(KIND)" = rpc || { echo 'ROUTE=yes needs KIND=rpc: a gateway route calls requests, and a $(KIND) answers none' >&2; exit 2; }
	npx turbo gen service --args "$(NAME)" "$(KIND)" "$(ROUTE)" "$(DESCRIPTION)"
	@# turbo gen exits 0 even when one of its actions failed (seen with the npm install that
	@# links the new workspaces and fetches their packages): a half-made service fails here.
	@npm ls --workspace services/$(NAME) --workspace contracts/$(NAME) >/dev/null 2>&1 || { echo 'make service: the dependencies of services/$(NAME) are not installed (the npm install above failed); run npm install, then make derive' >&2; exit 1; }
	@node packages/registry/cli.mjs derive --check

.PHONY: strip-examples
strip-examples: node_modules ## Delete the example domain (legacy, catalog, accounts, notifications): the platform skeleton stays
	node scripts/strip-examples.mjs

clean: ## Remove build output and the dev Redis data
	rm -rf packages/*/dist services/*/dist .turbo .dev

# ---- Kubernetes: images, kind, the Helm chart (issue 6) -------------------------------------
# Needs Docker, kind and kubectl; helm comes from PATH or from the npm package (scripts/ensure-helm.mjs).
KIND_CLUSTER ?= platform
NAMESPACE ?= platform
RELEASE ?= platform
VALUES ?= charts/platform/ci/default-values.yaml
IMAGE_REPOSITORY ?= nest-redis-platform
IMAGE_TAG ?= dev
SERVICES := $(notdir $(wildcard services/*))
HELM = $(shell node scripts/ensure-helm.mjs)

.PHONY: images kind-up kind-down deploy smoke chart-check

images: ## Build every service image with Docker (nest-redis-platform/<service>:dev by default)
	@for service in $(SERVICES); do \
	  docker build --build-arg SERVICE=$$service -t $(IMAGE_REPOSITORY)/$$service:$(IMAGE_TAG) . || exit 1; \
	done

kind-up: images kind-cluster ## Build the images, create the kind cluster (k8s/kind-config.yaml) and load the images into it

.PHONY: kind-cluster
kind-cluster: ## Create the kind cluster and load images built before (CI loads the images job's)
	@kind get clusters | grep -qx '$(KIND_CLUSTER)' || kind create cluster --name $(KIND_CLUSTER) --config k8s/kind-config.yaml
	@for service in $(SERVICES); do \
	  kind load docker-image --name $(KIND_CLUSTER) $(IMAGE_REPOSITORY)/$$service:$(IMAGE_TAG) || exit 1; \
	done

kind-down: ## Delete the kind cluster
	kind delete cluster --name $(KIND_CLUSTER)

deploy: node_modules ## helm upgrade --install the platform (VALUES=...) and wait for the rollout
	$(HELM) dependency build charts/platform
	$(HELM) upgrade --install $(RELEASE) charts/platform --namespace $(NAMESPACE) --create-namespace \
	  --values $(VALUES) --set image.repository=$(IMAGE_REPOSITORY) --set image.tag=$(IMAGE_TAG) \
	  --wait --timeout 10m

smoke: ## Run helm test and scripts/k8s-smoke.mjs against the deployed release
	$(HELM) test $(RELEASE) --namespace $(NAMESPACE) --logs --timeout 5m
	node scripts/k8s-smoke.mjs --namespace $(NAMESPACE) --release $(RELEASE)

chart-check: node_modules ## Lint, render, schema- and policy-check both charts and lint the workflows (no cluster)
	npx turbo run build --filter=@platform/deploy-checks...
	cd deploy-checks && npm test -- test/charts.spec.ts test/policies.spec.ts test/workflows.spec.ts

.PHONY: image-check
image-check: node_modules ## Rehearse the gateway image build on the host (deploy-checks test:image), then build it with buildah (no Docker, no registry) and run it read-only, non-root, against Redis (root)
	bash scripts/image-check.sh
# ---- end of the Kubernetes block ------------------------------------------------------------
