GO ?= go

.PHONY: help run build test test-deps vet bench fuzz fuzz-long

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

# Every fuzz target, as package:Target. fuzz runs each for a minute,
# fuzz-long for FUZZTIME (10 minutes by default); FUZZFLAGS is passed on
# (e.g. FUZZFLAGS=-parallel=1 to leave a core free). A crasher is written
# to the package's testdata/fuzz/<Target>/ and fails the run.
FUZZ_TARGETS = memtree:FuzzOps keytab:FuzzTable snapshotio:FuzzLoad resp:FuzzReader \
	commands:FuzzDispatch commands:FuzzNumArgs commands:FuzzSelection commands:FuzzGlobMatch
FUZZTIME ?= 10m
FUZZFLAGS ?=

fuzz: ## run each fuzz target for a minute
	$(MAKE) fuzz-long FUZZTIME=60s

fuzz-long: ## run each fuzz target for FUZZTIME (default 10m): RESP reader, dispatch, loader, memtree, NUM args, selections
	@fail=; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s -timeout 0 $(FUZZFLAGS) ./$$pkg || fail="$$fail $$name"; \
	done; test -z "$$fail" || { echo "fuzz targets that failed:$$fail"; exit 1; }
