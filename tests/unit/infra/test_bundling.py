"""What a function's code carries: the runtime and ETL packages whole, and nothing of the tooling."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ticketflow_infra.bundling import BUNDLED_PACKAGES, build_shared_code, function_asset, source_files
from ticketflow_infra.paths import LAMBDAS_DIR, REPO_ROOT, RUNTIME_PACKAGE_DIR
from ticketflow_infra.wheel_target import for_interpreter, probe


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared code without wheels (an empty requirements file, no index): the packages alone."""
    folder = tmp_path_factory.mktemp("bundling")
    requirements = folder / "requirements.txt"
    requirements.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIP_NO_INDEX", "1")
        return build_shared_code(for_interpreter(probe(sys.executable)), requirements, folder / "build")


def _relative(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in source_files(root)}


def test_the_shared_code_is_the_allow_listed_packages_whole(shared: Path) -> None:
    # GIVEN / WHEN the shared code is built
    # THEN it holds exactly the runtime and ETL packages, each file of each, and no tooling package
    assert {path.name for path in shared.iterdir()} == {"ticketflow", "ticketflow_etl"}
    for package in BUNDLED_PACKAGES:
        assert _relative(shared / package.name) == _relative(package)
    assert not (shared / "ticketflow_dev").exists()
    assert not (shared / "ticketflow_infra").exists()


def test_the_runtime_package_holds_no_tooling(shared: Path) -> None:
    # GIVEN the runtime package as bundled
    # WHEN its modules' imports are read
    # THEN none names the tooling, the CDK app or a package only the developer's machine has
    forbidden = ("ticketflow_dev", "ticketflow_infra", "typer", "rich", "dotenv", "psycopg", "aws_cdk")
    for path in (shared / "ticketflow").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in forbidden:
            assert f"import {name}" not in text, path
            assert f"from {name}" not in text, path
    assert RUNTIME_PACKAGE_DIR == REPO_ROOT / "src" / "ticketflow"


@pytest.mark.parametrize("folder", sorted(path.parent.name for path in LAMBDAS_DIR.glob("*/handler.py")))
def test_each_function_asset_is_its_handler_beside_the_shared_code(shared: Path, folder: str) -> None:
    asset = function_asset(LAMBDAS_DIR / folder, shared)
    assert {path.name for path in asset.iterdir()} == {"handler.py", "ticketflow", "ticketflow_etl"}
