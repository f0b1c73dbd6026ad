# Two commands matter: `make dev` (the whole stack, with logs) and `make test` (the whole suite).
# Both bootstrap first: Node 24, npm packages and the Temporal CLI land in .tools/ when missing.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(PATH)

.PHONY: dev test bootstrap typecheck bench migrate build

bootstrap:
	@scripts/bootstrap.sh

dev: bootstrap
	@node --import tsx scripts/dev.ts

test: bootstrap
	@npm run --silent typecheck
	@npm run --silent check:layers
	@node --import tsx scripts/test.ts

typecheck: bootstrap
	@npm run --silent typecheck

bench: bootstrap
	@node --import tsx bench/run.ts

migrate: bootstrap
	@node --import tsx scripts/migrate.ts

build: bootstrap
	@npm run --silent build
