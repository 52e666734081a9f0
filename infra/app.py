"""The CDK app: picks the profile (context `profile`, else TICKETFLOW_PROFILE, else local) and synthesizes.

Every synth runs cdk-nag's AWS Solutions checks (security.py), then cfn-lint and asl-validator on the cloud
assembly (template_checks.py); an unacknowledged finding of either fails it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

from ticketflow_infra.bundling import build_shared_code
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.profiles import profile_props
from ticketflow_infra.security import check_best_practices
from ticketflow_infra.settings import Settings
from ticketflow_infra.stack import TicketflowStack
from ticketflow_infra.template_checks import check_assembly, failure_message


def main() -> None:
    app = cdk.App()
    settings = Settings.load(dotenv=REPO_ROOT / ".env", profile=app.node.try_get_context("profile"))
    profile = profile_props(settings)
    TicketflowStack(
        app,
        settings.stack_name,
        profile=profile,
        shared_code=build_shared_code(profile.function_platform.wheels),
        env=cdk.Environment(account=profile.account, region=settings.region),
        description=f"ticketflow support-ticket pipeline ({profile.name} profile)",
    )
    check_best_practices(app)
    findings = check_assembly(Path(app.synth().directory))
    if findings:
        sys.exit(failure_message(findings))


if __name__ == "__main__":
    main()
