GO ?= go

.PHONY: help run build test test-deps vet bench fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## start the server with the embedded defaults (127.0.0.1:6379, ./dump.numkv)
	$(GO) run .

build: ## build ./numkv
	$(GO) build -o numkv .

test-deps: ## install the apt packages the tests need, where missing
	./scripts/install-test-deps.sh

vet: ## go vet, gofmt, and go.mod as go mod tidy leaves it
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)"
	$(GO) mod tidy -diff

test: test-deps vet ## run every test (installs what is missing first)
	$(GO) test -race -short ./shardlock ./offheap ./memtree ./keytab ./snapshotio ./resp ./commands
	$(GO) test -tags invariants -short ./offheap ./memtree ./keytab ./commands
	$(GO) test -timeout 15m ./...

bench: ## Go benchmarks of the leaves (see BENCHMARKS.md for the server runs)
	$(GO) test -run '^$$' -bench . -benchmem ./memtree ./keytab ./snapshotio ./shardlock ./resp

fuzz: ## run each fuzz target for a minute
	$(GO) test -run '^$$' -fuzz FuzzOps -fuzztime 60s ./memtree
	$(GO) test -run '^$$' -fuzz FuzzTable -fuzztime 60s ./keytab
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 60s -fuzzminimizetime 3s ./snapshotio
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime 60s -fuzzminimizetime 3s ./resp
	$(GO) test -run '^$$' -fuzz FuzzDispatch -fuzztime 60s ./commands
	$(GO) test -run '^$$' -fuzz FuzzNumArgs -fuzztime 60s ./commands
	$(GO) test -run '^$$' -fuzz FuzzGlobMatch -fuzztime 60s ./commands
