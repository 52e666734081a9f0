"""The CDK app: picks the profile (context `profile`, else TICKETFLOW_PROFILE, else local) and synthesizes."""

from __future__ import annotations

import os

import aws_cdk as cdk

from ticketflow.settings import Settings
from ticketflow_infra.layer_build import build_shared_layer
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.profiles import profile_props
from ticketflow_infra.stack import TicketflowStack

LOCAL_ACCOUNT = "000000000000"


def main() -> None:
    app = cdk.App()
    settings = Settings.load(dotenv=REPO_ROOT / ".env", profile=app.node.try_get_context("profile"))
    profile = profile_props(settings)
    account = os.environ.get("CDK_DEFAULT_ACCOUNT") if settings.profile == "aws" else LOCAL_ACCOUNT
    TicketflowStack(
        app,
        settings.stack_name,
        profile=profile,
        layer_dir=build_shared_layer(),
        env=cdk.Environment(account=account, region=settings.region),
        description=f"ticketflow support-ticket pipeline ({profile.name} profile)",
    )
    app.synth()


if __name__ == "__main__":
    main()
