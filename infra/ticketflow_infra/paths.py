"""Where the stack's runtime code lives in the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDAS_DIR = REPO_ROOT / "lambdas"
STATE_MACHINE_FILE = REPO_ROOT / "state_machine" / "ticket_flow.asl.json"
# The Lambda runtime package: what the functions import (the tooling beside it, ticketflow_dev, never ships).
RUNTIME_PACKAGE_DIR = REPO_ROOT / "src" / "ticketflow"
LAMBDA_REQUIREMENTS = REPO_ROOT / "requirements" / "lambda.txt"
BUILD_DIR = REPO_ROOT / ".ticketflow" / "build"
