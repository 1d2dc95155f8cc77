# logproc: make build | run | test | bench | lint | fuzz
GO ?= go
BIN := ./logproc

.PHONY: build run test lint bench fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/logproc

# The seed project's whole job on the defaults (.env and the environment
# apply): generate LOG_PATH, scan it, write LOG_PATH.json, print a summary.
run: build
	$(BIN) run

# Every test, with the race detector, after the static checks.
test: lint
	$(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# Go benchmarks beside the code, once each.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...

# Fuzz each parser for FUZZTIME (default 30s each).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./scan/logline
	$(GO) test -run='^$$' -fuzz='^FuzzSlogRoundTrip$$' -fuzztime=$(FUZZTIME) ./scan/logline
	$(GO) test -run='^$$' -fuzz='^FuzzSplit$$' -fuzztime=$(FUZZTIME) ./scan

clean:
	rm -f $(BIN) *.prof
