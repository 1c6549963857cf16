# tgpl: two commands on a fresh machine. `make run` brings the system up, `make test` runs the suite.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test unit integration e2e contracts bench bench-assignment bench-reporting bench-register chaos clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/tgpl up --demo

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

contracts: $(STAMP)
	$(BIN)/tgpl contracts export

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	@touch $(BENCH_STAMP)

# The assignment policy against the offline optimum and baselines over a simulated year (a benchmark,
# not a test; about two minutes). BENCH_ARGS passes options, e.g. BENCH_ARGS=--markdown.
bench-assignment: $(BENCH_STAMP)
	$(BIN)/python -m deploy.bench.assignment $(BENCH_ARGS)

# Reports over 1,000,000 cases and a rebuild from 1,000,000 events, beside the time to merely read
# those events back from JetStream (a benchmark, not a test; about 10 minutes on 2 cores and 6 GB
# of disk in a temporary directory). BENCH_ARGS passes options, e.g. BENCH_ARGS="--cases 100000
# --events 100000" or BENCH_ARGS=--database-url=postgresql+asyncpg://postgres@127.0.0.1:5432/test.
bench-reporting: $(STAMP)
	$(BIN)/python -m deploy.bench.reporting $(BENCH_ARGS)

# The staff case register at 1,000,000 cases: a fresh intake database filled with the demo center's cases
# over six years (about 5 minutes on 2 cores, 3.5 GB of disk in a temporary directory), then
# list_cases and the register page and its JSON API from a real intake process, for the common filters
# (p50 / p95 of 20 requests each), and intake's RSS after them; one table, every figure in
# var/bench/register.json (a benchmark, not a test). BENCH_ARGS passes options, e.g. BENCH_ARGS="--cases
# 100000", --database-url=postgresql+asyncpg://postgres@127.0.0.1:5432/test, or "--workdir
# var/bench/register" (the database is kept) and then "--workdir var/bench/register --reuse" (not filled again).
bench-register: $(STAMP)
	$(BIN)/python -m deploy.bench.register_page $(BENCH_ARGS)

# End to end against the broker's own limit: raw JetStream publish and pull-consume of the same
# notices, then 100,000 notices through the four services until the report counts every one
# assigned, the latency notice -> case assigned at a steady 200/s for 60 s, and each process's peak
# RSS; one table, every figure in var/bench/e2e.json (a benchmark, not a test). BENCH_ARGS passes
# options, e.g. BENCH_ARGS="--notices 20000 --latency-seconds 20", "--profile intake" (py-spy) or
# --database-url=postgresql+asyncpg://postgres@127.0.0.1:5432/test.
bench: $(BENCH_STAMP)
	$(BIN)/python -m deploy.bench.e2e $(BENCH_ARGS)

# Faults injected into the running system (kill -9 of each service, nats-server restarted, a 3-node
# cluster losing nodes, PostgreSQL connections dropped, poison messages), checked from the outside:
# prints the table in the README (about 5 minutes). PostgreSQL faults need TGPL_TEST_POSTGRES_URL or
# CHAOS_ARGS=--postgres=postgresql+asyncpg://...; CHAOS_ARGS="--notices 200" for a quick run.
chaos: $(STAMP)
	$(BIN)/python -m deploy.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
