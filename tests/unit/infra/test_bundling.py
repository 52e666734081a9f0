"""What a function's code carries: the packages its handler imports (an allow-list per function), and
nothing of the tooling, nor the ETL's PostgreSQL adapter."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ticketflow_infra.bundling import (
    BUNDLED_PACKAGES,
    ETL_ON_LAMBDA,
    FUNCTION_PACKAGES,
    build_shared_code,
    function_asset,
    function_zip,
    packages_of,
    source_files,
)
from ticketflow_infra.paths import LAMBDAS_DIR, REPO_ROOT, RUNTIME_PACKAGE_DIR
from ticketflow_infra.wheel_target import for_interpreter, probe

FOLDERS = sorted(path.parent.name for path in LAMBDAS_DIR.glob("*/handler.py"))
# What each function's zip holds at its top level beside the wheels (none in these builds).
EXPECTED_TOP_LEVEL = {
    "trigger_sfn": {"handler.py", "ticketflow"},
    "detect_sentiment": {"handler.py", "ticketflow"},
    "generate_response": {"handler.py", "ticketflow"},
    "s3_writer": {"handler.py", "ticketflow"},
    "warehouse_etl": {"handler.py", "ticketflow", "ticketflow_etl"},
}


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


def test_every_function_has_an_allow_list_and_every_list_a_function() -> None:
    # GIVEN / WHEN the function folders and the allow-lists / THEN they name the same functions
    assert sorted(FUNCTION_PACKAGES) == FOLDERS
    with pytest.raises(KeyError, match="lambdas/new_function has no entry"):
        packages_of("new_function")


def test_the_shared_code_is_the_allow_listed_files_of_each_package(shared: Path) -> None:
    # GIVEN / WHEN the shared code is built
    # THEN it holds exactly the allow-listed files of the runtime and ETL packages, and no tooling package
    assert {path.name for path in shared.iterdir()} == {"ticketflow", "ticketflow_etl"}
    for package in BUNDLED_PACKAGES:
        expected = {path.relative_to(package.source).as_posix() for path in package.selected()}
        assert _relative(shared / package.name) == expected
    assert _relative(shared / "ticketflow") == _relative(RUNTIME_PACKAGE_DIR)
    assert not (shared / "ticketflow_dev").exists()
    assert not (shared / "ticketflow_infra").exists()


def test_the_etl_on_lambda_is_its_redshift_path_without_the_postgresql_adapter(shared: Path) -> None:
    # GIVEN the ETL package as the shared code holds it
    carried = _relative(shared / "ticketflow_etl")

    # WHEN / THEN every module but the PostgreSQL adapter is there, with the Redshift migrations only
    modules = {path.name for path in ETL_ON_LAMBDA.source.glob("*.py")}
    assert {name for name in carried if name.endswith(".py")} == modules - {"postgres.py"}
    assert {name for name in carried if name.startswith("sql/")} == {
        f"sql/redshift/{path.name}" for path in (ETL_ON_LAMBDA.source / "sql" / "redshift").glob("*.sql")
    }


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


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_functions_zip_carries_its_handler_and_its_packages_only(shared: Path, folder: str) -> None:
    # GIVEN / WHEN the function's zip is built as a deploy builds it
    names = zipfile.ZipFile(function_zip(function_asset(LAMBDAS_DIR / folder, shared))).namelist()

    # THEN its top level is the handler and the packages of its allow-list; no PostgreSQL adapter anywhere
    assert {name.split("/", 1)[0] for name in names} == EXPECTED_TOP_LEVEL[folder]
    assert not [name for name in names if name.endswith("ticketflow_etl/postgres.py") or "/postgres/" in name]


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_handler_imports_from_its_asset_with_what_it_does_not_carry_blocked(
    shared: Path, folder: str
) -> None:
    # GIVEN the function's asset, and the packages it does not carry (psycopg among them) made unimportable
    asset = function_asset(LAMBDAS_DIR / folder, shared)
    blocked = ["psycopg", *({"ticketflow", "ticketflow_etl"} - EXPECTED_TOP_LEVEL[folder])]

    # WHEN a fresh interpreter imports the handler with the asset first on its path
    probe_code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "[sys.modules.__setitem__(name, None) for name in sys.argv[2:]];"
        "import handler, ticketflow; print(ticketflow.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", probe_code, str(asset), *blocked],
        capture_output=True,
        text=True,
        check=False,
    )

    # THEN it imports, the runtime package from the asset
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(asset / "ticketflow" / "__init__.py")
