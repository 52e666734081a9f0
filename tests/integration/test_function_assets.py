"""Every function's handler imports from its built asset on the emulator's own interpreter.

That interpreter (its virtualenv: MiniStack and boto3, nothing of the pipeline's) is the one that runs the
Lambda code locally, so this is the import each worker does, with the real wheels built for it.
"""

from __future__ import annotations

from tests.conftest import LocalStack
from ticketflow_dev.doctor import check_lambda_imports, function_folders
from ticketflow_dev.local.emulator import emulator_python
from ticketflow_infra.function_platform import emulator_platform


def test_every_handler_imports_from_its_asset_on_the_emulators_interpreter(local_stack: LocalStack) -> None:
    # GIVEN the emulator's interpreter, which has neither pydantic nor powertools of its own
    python = str(emulator_python(local_stack.settings))

    # WHEN each function's asset is built for it (as a deploy builds it) and its handler imported there
    finding = check_lambda_imports(emulator_platform(python), function_folders())

    # THEN every handler imports, its dependencies from the asset's wheels
    assert finding.status == "ok", finding.detail
    assert f"{len(function_folders())} handlers import on {python}" in finding.detail
