"""tools/prove_external.py keeps what it starts under the home the settings name, as every tool does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings


def prove_external() -> ModuleType:
    spec = importlib.util.spec_from_file_location("prove_external", REPO_ROOT / "tools" / "prove_external.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("prove_external", module)
    spec.loader.exec_module(module)
    return module


def test_its_work_folder_follows_ticketflow_home(tmp_path: Path) -> None:
    # GIVEN TICKETFLOW_HOME set to a folder of the user's choosing
    settings = Settings.load(environ={"TICKETFLOW_HOME": str(tmp_path / "short")}, dotenv=None)

    # WHEN / THEN
    assert prove_external().work_folder(settings) == tmp_path / "short" / "prove-external"
