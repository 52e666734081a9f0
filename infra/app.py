"""The CDK app: picks the profile (context `profile`, else TICKETFLOW_PROFILE, else local) and synthesizes.

Every synth runs cdk-nag's AWS Solutions checks; an unacknowledged finding fails it (see security.py).
"""

from __future__ import annotations

import aws_cdk as cdk

from ticketflow_infra.bundling import build_shared_code
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.profiles import profile_props
from ticketflow_infra.security import check_best_practices
from ticketflow_infra.settings import Settings
from ticketflow_infra.stack import TicketflowStack


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
    app.synth()


if __name__ == "__main__":
    main()
