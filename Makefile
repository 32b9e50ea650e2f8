# Every target is a thin wrapper: the work is in npm scripts, turbo tasks and scripts/.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export TURBO_TELEMETRY_DISABLED := 1
export DO_NOT_TRACK := 1

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

test: node_modules ## Lint, typecheck and run every test (unit, integration, e2e) against real Redis
	npx turbo run lint typecheck build
	npx turbo run test --concurrency=1

lint: node_modules ## Lint every workspace
	npx turbo run lint

typecheck: node_modules ## Typecheck every workspace, tests included
	npx turbo run typecheck

clean: ## Remove build output and the dev Redis data
	rm -rf packages/*/dist services/*/dist .turbo .dev
