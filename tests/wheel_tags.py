"""Whether a wheel's tags fit a WheelTarget, computed as pip computes them from its arguments."""

from __future__ import annotations

from packaging.tags import compatible_tags, cpython_tags, parse_tag

from ticketflow_infra.wheel_target import WheelTarget


def accepts(target: WheelTarget, wheel_tags: str) -> bool:
    """Whether pip, given `target.pip_args()`, may install a wheel tagged `wheel_tags` (the part of its
    file name after the version, e.g. `cp313-cp313-macosx_11_0_arm64`)."""
    major, minor = target.python_version
    supported = set(cpython_tags(target.python_version, [target.abi], target.platforms))
    supported |= set(compatible_tags(target.python_version, f"cp{major}{minor}", target.platforms))
    return bool(parse_tag(wheel_tags) & supported)
