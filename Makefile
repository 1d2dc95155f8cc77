# logproc: make build | run | test | bench | lint | fuzz
GO ?= go
BIN := ./logproc
SERVER_BIN := ./logproc-server

.PHONY: build core server run test lint bench fuzz clean

# Both binaries: logproc, and logproc-server, the embedded NATS server that
# 'logproc serve' and 'consume -embedded' start (found beside logproc).
build: core server

# logproc alone: no nats-server to compile, so a first build is quick.
core:
	$(GO) build -o $(BIN) ./cmd/logproc

server:
	$(GO) build -o $(SERVER_BIN) ./cmd/logproc-server

# The seed project's whole job on the defaults (.env and the environment
# apply): generate LOG_PATH, scan it, write LOG_PATH.json, print a summary.
run: core
	$(BIN) run

# Every test, with the race detector, after the static checks.
test: lint
	$(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# logproc against wc -l, a newline-count floor, mawk and the naive seed
# implementation (and logproc gen against dd), interleaved on one generated
# file in bench/data; every answer is checked. Prints the table and writes
# bench/results/latest.md and latest.svg. BENCH_RECORDS (default 50000000,
# about 6 GB) and BENCH_ROUNDS (default 5) size it. The Go benchmarks beside
# the code: go test -run='^$$' -bench=. -benchmem ./...
BENCH_BIN := bench/data/bin

bench: bench-tools
	$(BENCH_BIN)/compare -logproc $(BIN) -floor $(BENCH_BIN)/floor -naive $(BENCH_BIN)/naive
	$(MAKE) bench-metrics
	$(MAKE) bench-forms

.PHONY: bench-tools
bench-tools: core
	$(GO) build -o $(BENCH_BIN)/compare ./bench/cmd/compare
	$(GO) build -o $(BENCH_BIN)/floor ./bench/cmd/floor
	$(GO) build -o $(BENCH_BIN)/naive ./bench/cmd/naive

# Every metric (-metrics all) against the seed's counters (-metrics seed)
# and wc -l, at each line count in BENCH_METRICS_RECORDS, each with its
# own dataset in bench/data/N and table in bench/results/metrics-N. make
# bench's main table has the same rows at BENCH_RECORDS (50M); add
# 50000000 here where the disk holds another 6 GB.
BENCH_METRICS_RECORDS ?= 10000000
.PHONY: bench-metrics
bench-metrics: bench-tools
	@for n in $(BENCH_METRICS_RECORDS); do \
		$(BENCH_BIN)/compare -logproc $(BIN) -floor $(BENCH_BIN)/floor -naive $(BENCH_BIN)/naive \
			-records $$n -data bench/data/$$n -results bench/results/metrics-$$n \
			-only '^logproc scan -workers 2( -metrics all)?$$' || exit 1; \
	done

# What a platform's framing costs per line: each inner format bare, then in
# CRI, Docker json-file and a time prefix; x-bare is the ratio to the bare
# format in the same run (docs/performance.md has instruction counts).
.PHONY: bench-forms
bench-forms:
	$(GO) test -run='^$$' -bench='^BenchmarkForms$$' -benchtime=2000x -count=3 ./scan/logline

# The same forms in instructions per line under cachegrind (needs valgrind):
# what docs/performance.md's framing tables count, steady on a busy machine.
.PHONY: bench-forms-instr
bench-forms-instr:
	bench/forms-instr.sh $(GO)

# The perf gate: logproc's instructions per line under cachegrind, for scan
# (-metrics seed), scan -metrics all and gen, against bench/perf-baseline.json
# (fails on more than 2 % growth),
# then the test that scan's allocations do not grow with the input.
.PHONY: bench-baseline perf-gate
perf-gate: core
	$(GO) build -o $(BENCH_BIN)/perfgate ./bench/cmd/perfgate
	$(BENCH_BIN)/perfgate -logproc $(BIN) -baseline bench/perf-baseline.json
	$(GO) test -count=1 -run '^TestScanAllocs' ./bench/

# Rewrite bench/perf-baseline.json from this tree: a deliberate step, to
# commit with the change that moved the numbers.
bench-baseline: core
	$(GO) build -o $(BENCH_BIN)/perfgate ./bench/cmd/perfgate
	$(BENCH_BIN)/perfgate -logproc $(BIN) -baseline bench/perf-baseline.json -write

# The bus's throughput against scan (issue 16's targets), on a generated
# file of BUS_RECORDS lines (default 5000000, about 611 MB, kept in
# bench/data): scan with 1 and 2 workers, publish to exact report by value
# and by reference, one consumer's lines/s; BUS_ROUNDS interleaved rounds
# (default 3), medians. Prints the table of docs/distributed.md, then the
# per-consumer row from real processes (bench-bus-procs).
BUS_RECORDS ?= 5000000
BUS_ROUNDS ?= 3
.PHONY: bench-bus
bench-bus:
	mkdir -p bench/data
	BUS_RECORDS=$(BUS_RECORDS) BUS_ROUNDS=$(BUS_ROUNDS) BUS_DIR=$(CURDIR)/bench/data \
		$(GO) test -run '^$$' -bench '^BenchmarkTable$$' -benchtime 1x -timeout 60m ./bus/
	$(MAKE) --no-print-directory bench-bus-procs BUS_RECORDS=$(BUS_RECORDS) BUS_ROUNDS=$(BUS_ROUNDS)

# The per-consumer row from real processes: logproc serve, one logproc
# consume -workers 1 on batches already in the stream, against logproc scan
# -workers 1, on the file make bench-bus made (BUS_RECORDS lines); batches
# published by value, then by reference.
.PHONY: bench-bus-procs
bench-bus-procs:
	mkdir -p bench/data/bin
	$(GO) build -o bench/data/bin/logproc ./cmd/logproc
	$(GO) build -o bench/data/bin/logproc-server ./cmd/logproc-server
	test -f bench/data/bus-$(BUS_RECORDS).log || bench/data/bin/logproc gen -quiet -n $(BUS_RECORDS) -o bench/data/bus-$(BUS_RECORDS).log
	sh bench/bus-consumer.sh bench/data/bin bench/data/bus-$(BUS_RECORDS).log $(BUS_ROUNDS)
	BUS_PUBLISH=-by-reference sh bench/bus-consumer.sh bench/data/bin bench/data/bus-$(BUS_RECORDS).log $(BUS_ROUNDS)

# Rewrite cmd/logproc/default.pgo, the CPU profile go build uses to inline
# the hot calls (profile-guided optimisation): scan with every metric and
# with the seed's counters, and gen, on 10M generated lines. Built without
# the old profile so that it does not shape the new one.
PGO_DIR := bench/data/pgo
.PHONY: pgo
pgo:
	mkdir -p $(PGO_DIR)
	$(GO) build -pgo=off -o $(PGO_DIR)/logproc ./cmd/logproc
	$(PGO_DIR)/logproc gen -quiet -n 10000000 -o $(PGO_DIR)/pgo.log -cpuprofile $(PGO_DIR)/gen.prof
	$(PGO_DIR)/logproc scan -quiet -o /dev/null -cpuprofile $(PGO_DIR)/all.prof $(PGO_DIR)/pgo.log
	$(PGO_DIR)/logproc scan -quiet -metrics seed -o /dev/null -cpuprofile $(PGO_DIR)/seed.prof $(PGO_DIR)/pgo.log
	$(GO) tool pprof -proto $(PGO_DIR)/all.prof $(PGO_DIR)/seed.prof $(PGO_DIR)/gen.prof > cmd/logproc/default.pgo

# Fuzz every fuzz target (each parser, the splitter, the histogram, gen's
# line writer; .ci/fuzz finds them) for FUZZTIME (default 30s each).
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) .ci/fuzz

clean:
	rm -f $(BIN) $(SERVER_BIN) *.prof
