# ticketflow: `make help` lists the targets. Every target installs what it needs first (idempotently).
SHELL := /bin/bash
.DEFAULT_GOAL := help
# The interpreter .venv is built from: PYTHON=..., else python3 when it is CPython 3.11-3.13, else the
# newest python3.1x that is. An unsupported one stops the first install with what was found and what to do.
PYTHON ?=
VENV := .venv
BIN := $(VENV)/bin
TICKETFLOW := $(BIN)/ticketflow
STAMPS := .ticketflow/stamps
# jsii prints an end-of-life banner for Node 20 on every CDK import; the pinned CLI and library support it.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: help install install-browser doctor demo bench test test-core test-proofs test-all test-unit test-integration test-e2e test-faults check lint types imports links hooks up down status local-deploy destroy synth aws-deploy aws-destroy env etl bench-etl bench-emulator-ops bench-durable-deploy bench-iam-check bench-parity bench-dev-loop push audit prove-debian13 prove-external iam-recording clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

PIP_INSTALL := -m pip install --disable-pip-version-check --progress-bar off
PROGRESS = $(BIN)/python tools/install_progress.py

$(STAMPS)/venv: requirements/dev.txt pyproject.toml tools/toolchain.sh
	@python=$$(tools/toolchain.sh python $(PYTHON)) || exit 1; \
	if ! tools/toolchain.sh python $(BIN)/python >/dev/null 2>&1; then \
		echo "==> creating $(VENV) with $$python ($$($$python --version))"; \
		rm -rf $(VENV) && $$python -m venv $(VENV); \
	fi
	@$(PROGRESS) --what "the project venv ($(VENV): CDK, boto3, tests, tooling)" --expect "2-4 min" \
		--total $$(grep -c '^[A-Za-z]' requirements/dev.txt) --log .ticketflow/logs/install-venv.log \
		-- $(BIN)/python $(PIP_INSTALL) -r requirements/dev.txt
	@$(BIN)/python $(PIP_INSTALL) --quiet --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json tools/toolchain.sh | $(STAMPS)/venv
	@tools/toolchain.sh node
	@$(PROGRESS) --what "the CDK CLI and asl-validator (node_modules from package-lock.json)" --expect "20-60 s" \
		--log .ticketflow/logs/install-node.log -- npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# The console's browser tests drive the system's Chromium through Playwright (which never downloads a browser
# here). Installing it takes root and apt-get, so no test target does it: CI runs `make install-browser`, and
# without a chromium the browser tests skip, saying how to get one.
install-browser: ## Install Debian's chromium for the console's browser tests (apt-get, as root; a no-op when one is there)
	@if command -v chromium >/dev/null; then echo "chromium: $$(command -v chromium)"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "install-browser needs root and apt-get (Debian/Ubuntu); elsewhere install Chromium so that \`chromium\` is on PATH"; exit 1; \
	fi; \
	echo "==> installing chromium (apt-get); log: .ticketflow/logs/install-chromium.log"; \
	mkdir -p .ticketflow/logs; \
	{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } \
		>.ticketflow/logs/install-chromium.log 2>&1 || { tail -20 .ticketflow/logs/install-chromium.log; exit 1; }

install: $(STAMPS)/venv $(STAMPS)/node ## Install the project venv (.venv), the CDK CLI and asl-validator (node_modules)

doctor: install ## Check this machine's prerequisites: Python, Node, ports, disk, the emulator, the Lambda wheels
	$(TICKETFLOW) doctor

demo: install ## Check the machine, start the local stack, deploy, run 50 tickets end to end, report
	$(TICKETFLOW) doctor
	$(TICKETFLOW) demo

# The tiers (docs/tests.md): the unit tier, then the core (integration and e2e without the proofs); the proofs
# (`@pytest.mark.proof`: faults, crashes, snapshots, restarts, destroy) on their own. Each writes where its
# time went to $(REPORTS)/<tier>.json and names its ten slowest tests.
CORE := not unit and not proof
REPORTS := .ticketflow/reports/tests
TIMINGS = --durations=10 --durations-report=$(REPORTS)/$(1).json
# Processes for the unit tier (pytest-xdist; 0: in this one): two pay on two cores (docs/tests.md).
UNIT_WORKERS ?= 2
CORE_TESTS = $(BIN)/pytest -m "$(CORE)" $(call TIMINGS,core)

test: install ## Lint, types, import contracts, the unit tier (stops here on a failure), then the core integration and e2e tests (the console's in Chromium too); coverage report
	$(MAKE) --no-print-directory check
	$(BIN)/pytest -m unit -n $(UNIT_WORKERS) --cov --cov-report= $(call TIMINGS,unit)
	$(CORE_TESTS) --cov --cov-append --cov-report=term:skip-covered

test-core: install ## The core integration and e2e tests alone, no coverage (what prove-external runs against its services)
	$(CORE_TESTS)

test-proofs: install ## The proofs only, each once: faults, AWS faults, crashes, snapshots, restart, reset, destroy (CI runs them after `make test`)
	$(BIN)/pytest -m proof --cov --cov-append --cov-report=term:skip-covered $(call TIMINGS,proofs)

test-all: test test-proofs ## Everything, each test once: `make test`, then `make test-proofs`

test-unit: install ## Unit tests only (no network, no services)
	$(BIN)/pytest -m unit -n $(UNIT_WORKERS)

test-integration: install ## Tests against real local services, no deployed stack (the proofs among them too)
	$(BIN)/pytest -m integration

test-e2e: install ## The stack deployed into the emulator, driven through Kinesis (the proofs among them too)
	$(BIN)/pytest -m e2e

test-faults: install ## The proofs under injected faults: 200 tickets with fake_bedrock failing 30%, 300 under AWS API faults
	$(BIN)/pytest tests/e2e/test_faults.py tests/e2e/test_under_aws_faults.py

iam-recording: install ## Run the whole e2e tier and rewrite its recorded IAM requests (tests/recordings/iam_calls.json), which the mutation check reads (docs/iam.md)
	TICKETFLOW_IAM_RECORDING=refresh $(BIN)/pytest -m e2e

check: lint types imports links ## Lint, type-check and check the import contracts of runtime, tooling, infra and tests; the docs' links

lint: install ## ruff over every folder
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install ## mypy (strict) over every folder
	$(BIN)/mypy

imports: install ## The import contracts (import-linter): tooling → infra/ETL → runtime, never back; fake_bedrock alone
	$(BIN)/lint-imports

links: install ## The documentation's links, anchors and named paths resolve (README.md, docs/)
	$(BIN)/python tools/check_links.py

hooks: install ## Install the git pre-commit hook (ruff, ruff format, mypy, import contracts on each commit)
	$(BIN)/pre-commit install

up: install ## Start the local stack (emulator, warehouse, fake_bedrock) in the background
	$(TICKETFLOW) up

down: install ## Stop the local stack (its state is kept under .ticketflow/)
	$(TICKETFLOW) down

status: install ## Show the local stack's services
	$(TICKETFLOW) status

local-deploy: install ## Deploy the stack into the local emulator (bootstraps the first time), then pre-warm it
	$(TICKETFLOW) deploy

destroy: install ## Delete the stack from the local emulator, everything in it (a no-op when it is not deployed)
	$(TICKETFLOW) destroy

push: install ## Push changed Lambda code into the deployed functions (seconds; code only, no infrastructure)
	$(TICKETFLOW) push

synth: install ## Synthesize the CloudFormation templates into .ticketflow/cdk.out/ (under TICKETFLOW_HOME)
	$(TICKETFLOW) synth

aws-deploy: install ## Deploy the same stack to the AWS account of your credentials
	TICKETFLOW_PROFILE=aws $(TICKETFLOW) deploy

aws-destroy: install ## Delete the stack from your AWS account after a yes, listing what the aws profile keeps (its data)
	TICKETFLOW_PROFILE=aws $(TICKETFLOW) destroy

env: install ## Print export lines for the running stack: eval "$$(make -s env)"
	@$(TICKETFLOW) env

etl: install ## Load the S3 ticket archive into the local warehouse (incremental; report in .ticketflow/reports/etl.json)
	$(TICKETFLOW) etl

bench-etl: install ## Benchmark the ETL: archive 10,000 generated tickets, load them, then a run with nothing new
	$(BIN)/python tools/bench_etl.py

BENCH_ARGS ?= --sweep 10,20,30,40,50 --seconds 60 --burst-count 1000 --overload 60 --ageing 20000 --stop-after
bench: install ## Load benchmark on a freshly reset local stack (ticketflow reset: its emulator state is dropped): a sweep to 50/s and a 1,000 burst next to the floor, 2x the knee for 60 s, 20,000 more tickets and the knee again, then a timed stop; table, .ticketflow/reports/bench.{json,png}
	$(TICKETFLOW) reset
	$(TICKETFLOW) bench $(BENCH_ARGS)

bench-emulator-ops: install ## What one API call costs the running local emulator in CPU (the ceiling's price list)
	$(BIN)/python tools/bench_emulator_ops.py

bench-iam-check: install ## What the functions' in-flight IAM check costs per call and per ticket, offline (synthesizes the template)
	$(BIN)/ticketflow synth
	$(BIN)/python tools/bench_iam_check.py

bench-parity: install ## What the AWS checks cost a ticket: the same load with them off and on, in one run (restarts the emulator)
	$(BIN)/python tools/bench_parity.py

bench-durable-deploy: install ## What a durable deploy costs on the running stack: the emulator's clean restart (save, load), the first ticket after it
	$(BIN)/python tools/bench_durable_deploy.py

bench-dev-loop: install ## Benchmark the dev loop on the running stack: deploy, edit → result, first ticket after a deploy
	$(BIN)/python tools/bench_dev_loop.py

AUDIT := .ticketflow/venvs/audit
$(STAMPS)/audit: requirements/audit.txt | $(STAMPS)/venv
	@test -x $(AUDIT)/bin/python || $(BIN)/python -m venv $(AUDIT)
	$(AUDIT)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/audit.txt
	@mkdir -p $(STAMPS) && touch $@

audit: $(STAMPS)/audit ## Check every pinned dependency against PyPI's vulnerability advisories (pip-audit)
	$(AUDIT)/bin/pip-audit --strict --no-deps --disable-pip \
		-r requirements/dev.txt -r requirements/emulator.txt -r requirements/fault-proxy.txt -r requirements/lambda.txt \
		-r requirements/audit.txt

prove-debian13: ## Prove the README on Debian 13 / Python 3.13: a debootstrap root (built once, ~600 MB), a fresh clone, make demo + make test (root)
	tools/prove_debian13.sh

prove-external: install ## Prove TICKETFLOW_STACK=external: start the services as plain processes on other ports, run the core tier (make test-core) and the demo against them (PROVE_COMMANDS, PROVE_PORTS)
	$(BIN)/python tools/prove_external.py

clean: ## Remove build output (keeps the local stack's state)
	rm -rf cdk.out .ticketflow/cdk.out .ticketflow/build .mypy_cache .ruff_cache .pytest_cache .coverage
