"""Builds each function's code asset without Docker: its handler folder plus the code it imports.

The shared code (the packages the functions import, from an allow-list, and pinned wheels for the platform
that will run the functions, see wheel_target.py) is built once per distinct input and target. Each
function's folder then hard-links the wheels and the packages its own allow-list names: every function the
Lambda runtime (`ticketflow`), the warehouse ETL function the ETL's Lambda path too (`ticketflow_etl` without
its PostgreSQL adapter). It is bundled rather than put in a layer because LocalStack Community does not apply
layers; the same assets then run on every target.

Each folder is then zipped reproducibly (sorted entries, fixed timestamps and modes) and the zip is the asset:
the same code always gives the same bytes, so a deployed function's CodeSha256 tells whether its code is
current, and `ticketflow push` updates only the functions whose zip differs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ticketflow_infra.paths import (
    BUILD_DIR,
    LAMBDA_REQUIREMENTS,
    LAMBDAS_DIR,
    REPO_ROOT,
    RUNTIME_PACKAGE_DIR,
)
from ticketflow_infra.wheel_target import WheelTarget

# The warehouse ETL's home (glue/ per the design card); the WarehouseEtl function runs it.
ETL_PACKAGE_DIR = REPO_ROOT / "glue" / "ticketflow_etl"


@dataclass(frozen=True)
class BundledPackage:
    """A package functions carry: its folder, and the files of it they carry (globs; all by default)."""

    source: Path
    files: tuple[str, ...] = ("**/*",)

    @property
    def name(self) -> str:
        return self.source.name

    def selected(self) -> list[Path]:
        """The files carried, in a stable order (caches left out)."""
        chosen = {path for pattern in self.files for path in self.source.glob(pattern) if path.is_file()}
        return sorted(path for path in chosen if "__pycache__" not in path.parts and path.suffix != ".pyc")


# The Lambda runtime, whole: composition builds every adapter of it, so every handler imports all of it.
RUNTIME = BundledPackage(RUNTIME_PACKAGE_DIR)
# The ETL as the WarehouseEtl function runs it (Redshift through the Data API): its PostgreSQL adapter and
# the PostgreSQL migrations are the local stack's only (`ticketflow etl`), and psycopg is no Lambda wheel.
ETL_ON_LAMBDA = BundledPackage(
    ETL_PACKAGE_DIR,
    files=(
        "__init__.py", "py.typed", "archive_reader.py", "lambda_clients.py", "migrations.py", "records.py",
        "redshift.py", "run.py", "warehouse.py", "sql/redshift/*.sql",
    ),
)  # fmt: skip
# What each function (its folder under lambdas/) carries beside its handler: an allow-list. The developer
# tooling (ticketflow_dev) is a package of its own and never ships; import-linter keeps these from it.
FUNCTION_PACKAGES: dict[str, tuple[BundledPackage, ...]] = {
    "trigger_sfn": (RUNTIME,),
    "detect_sentiment": (RUNTIME,),
    "generate_response": (RUNTIME,),
    "s3_writer": (RUNTIME,),
    "warehouse_etl": (RUNTIME, ETL_ON_LAMBDA),
}
# Every package some function carries, once: what the shared code holds.
BUNDLED_PACKAGES = tuple(
    dict.fromkeys(package for packages in FUNCTION_PACKAGES.values() for package in packages)
)
# Everything a function's code is built from: a change under one of these may change a function's zip.
BUNDLED_SOURCES = (LAMBDAS_DIR, *(package.source for package in BUNDLED_PACKAGES), LAMBDA_REQUIREMENTS)
# Template metadata on each function: its folder under lambdas/, so a code push knows what to rebuild.
SOURCE_METADATA = "ticketflow:source"
# Level 1 zips a function (~13 MB, 560 files) in ~0.25 s instead of ~0.6 s at the default, ~10% larger.
_ZIP_LEVEL = 1
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def source_files(*roots: Path) -> list[Path]:
    """The files under `roots` (a root may itself be a file) that a build reads, in a stable order."""
    files = []
    for root in roots:
        found = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        files += [path for path in found if "__pycache__" not in path.parts]
    return files


def _digest(*roots: Path, salt: str = "") -> str:
    return _files_digest(source_files(*roots), salt)


def _files_digest(files: Sequence[Path], salt: str) -> str:
    digest = hashlib.sha256(salt.encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def packages_of(folder: str) -> tuple[BundledPackage, ...]:
    """The packages the function built from lambdas/<folder> carries (FUNCTION_PACKAGES)."""
    try:
        return FUNCTION_PACKAGES[folder]
    except KeyError:
        raise KeyError(
            f"lambdas/{folder} has no entry in ticketflow_infra.bundling.FUNCTION_PACKAGES: name the packages"
            " its handler imports there"
        ) from None


def _build_once(target: Path, build: Callable[[Path], None]) -> Path:
    """`target`, built by `build(staging)` unless it exists; older builds of the same kind are removed."""
    if target.is_dir():
        return target
    kind = target.name.rsplit("-", 1)[0]
    for stale in target.parent.glob(f"{kind}-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:  # the zip of an older build
            stale.unlink(missing_ok=True)
    staging = target.parent / f"{target.name}.partial"
    staging.mkdir(parents=True)
    build(staging)
    staging.rename(target)
    return target


def build_shared_code(
    target: WheelTarget,
    requirements: Path = LAMBDA_REQUIREMENTS,
    build_dir: Path = BUILD_DIR,
    packages: Sequence[Path | BundledPackage] = BUNDLED_PACKAGES,
) -> Path:
    """The shared code: the bundled packages (each package's allow-listed files) and the wheels for `target`.

    ticketflow_etl's Lambda path needs no wheel beyond these: only its PostgreSQL adapter imports psycopg,
    and no function carries that adapter.
    """
    bundled = [BundledPackage(p) if isinstance(p, Path) else p for p in packages]

    def build(staging: Path) -> None:
        pip = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--no-compile", *target.pip_args(), "--target", str(staging), "--requirement",
             str(requirements)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if pip.returncode != 0:
            raise RuntimeError(
                f"installing the Lambda dependencies for {target.label} failed:\n{pip.stdout}{pip.stderr}"
            )
        for package in bundled:
            for path in package.selected():
                copied = staging / package.name / path.relative_to(package.source)
                copied.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copied)

    files = [requirements, *(path for package in bundled for path in package.selected())]
    selection = " ".join(f"{package.name}:{','.join(package.files)}" for package in bundled)
    digest = _files_digest(files, salt=f"{' '.join(target.pip_args())} {selection}")
    return _build_once(build_dir / f"shared-{target.label}-{digest}", build)


def function_asset(handler_dir: Path, shared: Path, build_dir: Path | None = None) -> Path:
    """The function's deployable folder: the wheels and the packages it carries (FUNCTION_PACKAGES),
    hard-linked from the shared code, and the handler folder beside them.

    Built beside the shared code unless told otherwise: hard links stay on one file system, and a synth from
    another shared folder (a test's) never replaces the builds in the repository's build folder.
    """
    carried = {package.name for package in packages_of(handler_dir.name)}
    left_out = {package.name for package in BUNDLED_PACKAGES} - carried

    def build(staging: Path) -> None:
        for entry in shared.iterdir():
            if entry.name in left_out:
                continue
            if entry.is_dir():
                shutil.copytree(entry, staging / entry.name, copy_function=os.link)
            else:
                os.link(entry, staging / entry.name)
        shutil.copytree(handler_dir, staging, dirs_exist_ok=True, ignore=_IGNORED)

    digest = _digest(handler_dir, salt=f"{shared.name} {' '.join(sorted(carried))}")
    # One build per function and target (`shared-<target>-<digest>`): each profile's assets stay cached.
    target = shared.name.rsplit("-", 1)[0].removeprefix("shared-")
    return _build_once((build_dir or shared.parent) / f"fn-{handler_dir.name}-{target}-{digest}", build)


def function_zip(asset: Path) -> Path:
    """`asset` (a function_asset folder) as a reproducible zip beside it, built once per folder."""
    target = asset.parent / f"{asset.name}.zip"
    if target.is_file():
        return target
    staging = target.parent / f"{target.name}.partial"
    files = sorted(path for path in asset.rglob("*") if path.is_file())
    with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as archive:
        for path in files:
            entry = zipfile.ZipInfo(path.relative_to(asset).as_posix(), date_time=_ZIP_EPOCH)
            entry.external_attr = 0o644 << 16  # readable by the runtime's user; nothing is executed from it
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=_ZIP_LEVEL)
    staging.rename(target)
    return target
