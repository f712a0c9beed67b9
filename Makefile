GO ?= go

.PHONY: help run build test test-deps vet bench fuzz fuzz-long redis-suite

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
	$(GO) test -race -short ./shardlock ./offheap ./memtree ./keytab ./snapshotio ./resp ./cluster ./commands
	$(GO) test -tags invariants -short ./offheap ./memtree ./keytab ./commands
	$(GO) test -count=1 -timeout 15m ./... # tests/ builds the binary at run time: a cached result would be stale

redis-suite: ## run Redis 7.0.15's own test units against numkv (REDIS_SRC=a redis checkout at 7.0.15; needs tclsh)
	./scripts/redis-suite.sh $(REDIS_SRC)

bench: ## Go benchmarks of the leaves (see BENCHMARKS.md for the server runs)
	$(GO) test -run '^$$' -bench . -benchmem ./memtree ./keytab ./snapshotio ./shardlock ./resp

# Every fuzz target, as package:Target. A crasher lands in the package's
# testdata/fuzz/<Target>/, where a plain go test replays it. Minimizing is
# cut to 3s: an interesting input is minimized too, and a long minimization
# looks like a stall (0 execs/sec) and eats the run's time.
FUZZ_TARGETS = memtree:FuzzOps keytab:FuzzTable snapshotio:FuzzLoad resp:FuzzReader \
	commands:FuzzDispatch commands:FuzzNumArgs commands:FuzzGlobMatch commands:FuzzSelection \
	commands:FuzzSplitConfigLine
FUZZTIME ?= 10m
FUZZFLAGS ?=

# run-fuzz runs each target for $(1); it goes on past a failing target and
# fails at the end, naming the targets that failed.
define run-fuzz
	@failed=; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "== $$name (./$$pkg) for $(1), from $$(date +%T)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(1) -fuzzminimizetime 3s -timeout 0 $(FUZZFLAGS) ./$$pkg \
			|| failed="$$failed $$name"; \
	done; \
	echo "== done at $$(date +%T)"; \
	if [ -n "$$failed" ]; then echo "== failed:$$failed"; exit 1; fi
endef

fuzz: ## run each fuzz target for a minute
	$(call run-fuzz,60s)

fuzz-long: ## run each fuzz target for FUZZTIME (10m); FUZZFLAGS=-parallel=1 for one worker
	$(call run-fuzz,$(FUZZTIME))
