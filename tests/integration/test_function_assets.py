"""Every function's handler imports from its built asset on the interpreter that runs it locally.

On MiniStack (embedded, or an external one) that is the emulator's own interpreter (its virtualenv:
MiniStack and boto3, nothing of the pipeline's), so this is the import each worker does, with the real
wheels built for it.
"""

from __future__ import annotations

import pytest

from tests.conftest import LocalStack
from ticketflow_dev.stack.doctor import check_lambda_imports, function_folders
from ticketflow_infra.function_platform import function_platform


def test_every_handler_imports_from_its_asset_on_the_emulators_interpreter(local_stack: LocalStack) -> None:
    # GIVEN the interpreter the stack target says runs the functions
    platform = function_platform(local_stack.settings)
    if platform.interpreter is None:
        pytest.skip(f"the functions run in Lambda's {platform.runtime_name} containers, not on this machine")

    # WHEN each function's asset is built for it (as a deploy builds it) and its handler imported there
    finding = check_lambda_imports(platform, function_folders())

    # THEN every handler imports, its dependencies from the asset's wheels
    assert finding.status == "ok", finding.detail
    assert f"{len(function_folders())} handlers import on {platform.interpreter}" in finding.detail
