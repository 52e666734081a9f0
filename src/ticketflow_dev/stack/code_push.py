"""The developer loop's shortcut: new function code straight into the deployed functions, no synth, no
CloudFormation.

The zips are built by the same bundling code as the CDK assets (reproducible, so equal code gives an equal
CodeSha256), and only the functions whose deployed CodeSha256 differs are updated. Nothing else of the
stack changes: resources, permissions, environment and the state machine still need `ticketflow deploy`.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ticketflow_dev.stack.functions import DeployedFunction
from ticketflow_infra.bundling import (
    BUNDLED_SOURCES,
    build_shared_code,
    function_asset,
    function_zip,
    source_files,
)
from ticketflow_infra.function_platform import function_platform
from ticketflow_infra.paths import LAMBDAS_DIR
from ticketflow_infra.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class PushError(RuntimeError):
    pass


@dataclass(frozen=True)
class CodeUpdate:
    function: DeployedFunction
    zip_file: Path
    code_sha256: str


def code_sha256(zip_file: Path) -> str:
    """What Lambda reports as CodeSha256 for this zip: the base64 of its SHA-256."""
    return code_sha256_of(zip_file.read_bytes())


def code_sha256_of(code: bytes) -> str:
    return base64.b64encode(hashlib.sha256(code).digest()).decode()


def select(functions: Sequence[DeployedFunction], folders: Iterable[str] = ()) -> list[DeployedFunction]:
    """The deployed functions built from `folders` (every one when empty); a clear error for an unknown
    folder or for a stack deployed before functions recorded their folder."""
    unrecorded = [f.logical_id for f in functions if f.folder is None]
    if unrecorded:
        raise PushError(
            f"the deployed stack does not name the source folder of {', '.join(unrecorded)}: "
            "run `ticketflow deploy` once, then push"
        )
    wanted = set(folders)
    unknown = wanted - {f.folder for f in functions}
    if unknown:
        deployed = ", ".join(sorted(str(f.folder) for f in functions))
        raise PushError(
            f"no deployed function is built from {', '.join(sorted(unknown))} (deployed: {deployed})"
        )
    return [f for f in functions if not wanted or f.folder in wanted]


def build_zips(settings: Settings, folders: Iterable[str]) -> dict[str, Path]:
    """Each folder's function zip, built as a synth of `settings` builds it (for the same platform, cached by
    content under .ticketflow/build)."""
    shared = build_shared_code(function_platform(settings).wheels)
    return {folder: function_zip(function_asset(LAMBDAS_DIR / folder, shared)) for folder in set(folders)}


def changed(functions: Sequence[DeployedFunction], zips: dict[str, Path]) -> list[CodeUpdate]:
    """The functions whose deployed code differs from their zip in `zips`."""
    updates = []
    for function in functions:
        if function.folder not in zips:
            continue
        zip_file = zips[function.folder]
        sha = code_sha256(zip_file)
        if sha != function.code_sha256:
            updates.append(CodeUpdate(function, zip_file, sha))
    return updates


def update_code(lambda_client: LambdaClient, updates: Sequence[CodeUpdate]) -> None:
    """Uploads each zip, then waits until every function has taken its new code."""
    for update in updates:
        lambda_client.update_function_code(
            FunctionName=update.function.name, ZipFile=update.zip_file.read_bytes()
        )
    waiter = lambda_client.get_waiter("function_updated_v2")
    for update in updates:
        waiter.wait(FunctionName=update.function.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def source_fingerprint(roots: Iterable[Path] = BUNDLED_SOURCES) -> frozenset[tuple[str, int, int]]:
    """Path, size and mtime of every file a function is built from: cheap to poll, changes on each save."""
    fingerprint = set()
    for path in source_files(*roots):
        try:
            stat = path.stat()
        except FileNotFoundError:  # an editor's temporary file, gone between listing and stat
            continue
        fingerprint.add((str(path), stat.st_size, stat.st_mtime_ns))
    return frozenset(fingerprint)
