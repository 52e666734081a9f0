"""Where the local services come from, chosen by `TICKETFLOW_STACK` (read here, and only here)."""

from ticketflow_dev.targets.base import RunningStack, Target, TargetError
from ticketflow_dev.targets.containers import ContainersTarget
from ticketflow_dev.targets.embedded import EmbeddedTarget
from ticketflow_dev.targets.external import ExternalTarget
from ticketflow_infra.settings import Settings

_TARGETS: dict[str, type[Target]] = {
    target.name: target for target in (EmbeddedTarget, ExternalTarget, ContainersTarget)
}


def stack_target(settings: Settings) -> Target:
    """The target `settings.stack` names."""
    return _TARGETS[settings.stack](settings)


__all__ = ["RunningStack", "Target", "TargetError", "stack_target"]
