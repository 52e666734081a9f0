"""Lambda test support: each `handler.py` loaded by path under its own name, and a Lambda context."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"


@cache
def load_handler(function: str) -> ModuleType:
    """`lambdas/<function>/handler.py` as module `lambda_<function>_handler`, loaded once per session."""
    module_name = f"lambda_{function}_handler"
    spec = importlib.util.spec_from_file_location(module_name, LAMBDAS_DIR / function / "handler.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"no handler.py for function {function!r} under {LAMBDAS_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class FakeLambdaContext:
    """The attributes Powertools' `inject_lambda_context` reads."""

    function_name: str = "ticketflow-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ticketflow-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
