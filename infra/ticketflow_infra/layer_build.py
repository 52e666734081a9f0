"""Builds the shared Lambda layer without Docker: pinned wheels for the Lambda platform, plus ticketflow.

The folder is cached under a hash of its inputs, so a synth with nothing changed costs no pip run.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from ticketflow_infra.paths import BUILD_DIR, LAMBDA_REQUIREMENTS, SHARED_PACKAGE_DIR

_PLATFORM_ARGS = [
    "--platform", "manylinux2014_x86_64",
    "--implementation", "cp",
    "--python-version", "3.11",
    "--only-binary=:all:",
]  # fmt: skip


def _source_files(package_dir: Path) -> list[Path]:
    return sorted(p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts)


def inputs_hash(requirements: Path = LAMBDA_REQUIREMENTS, package_dir: Path = SHARED_PACKAGE_DIR) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    for path in _source_files(package_dir):
        digest.update(str(path.relative_to(package_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_shared_layer(
    requirements: Path = LAMBDA_REQUIREMENTS,
    package_dir: Path = SHARED_PACKAGE_DIR,
    build_dir: Path = BUILD_DIR,
) -> Path:
    """The layer folder (`python/` inside), built once per distinct input."""
    target = build_dir / f"layer-{inputs_hash(requirements, package_dir)}"
    if (target / "python").is_dir():
        return target
    for stale in build_dir.glob("layer-*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = build_dir / f"{target.name}.partial"
    site = staging / "python"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         *_PLATFORM_ARGS, "--target", str(site), "--requirement", str(requirements)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if pip.returncode != 0:
        raise RuntimeError(f"building the Lambda layer failed:\n{pip.stdout}{pip.stderr}")
    shutil.copytree(package_dir, site / package_dir.name, ignore=shutil.ignore_patterns("__pycache__", "cli"))
    staging.rename(target)
    return target
