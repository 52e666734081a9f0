"""docker-compose.yml read as data (the Docker path cannot run on these machines, so its file is checked)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; types-PyYAML is not a dev dependency

COMPOSE_FILE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
INTERPOLATION = re.compile(r"^\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}$")


def load_compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@dataclass(frozen=True)
class Published:
    host_ip: str
    host_port: int
    container_port: int


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    found = compose["services"][name]
    assert isinstance(found, dict)
    return found


def resolved(value: str) -> str:
    """`${VAR:-default}` as docker compose resolves it when VAR is unset; other text unchanged."""
    match = INTERPOLATION.match(value)
    return value if match is None else match.group("default") or ""


def environment(svc: dict[str, Any]) -> dict[str, str]:
    """A service's environment in either compose syntax (mapping, or a list of NAME=value)."""
    env = svc.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def published(svc: dict[str, Any]) -> list[Published]:
    """Published ports in short (`ip:host:container`) or long (`host_ip`, `published`, `target`) syntax."""
    ports = []
    for entry in svc.get("ports", []):
        if isinstance(entry, dict):
            ip, host, container = entry.get("host_ip", ""), entry["published"], entry["target"]
        else:
            # "ip:host:container", "host:container" (all interfaces) or "container" (a random host port)
            parts = str(entry).split("/")[0].split(":")
            ip, host, container = ["", "0", "0", *parts][-3:] if len(parts) == 1 else ["", *parts][-3:]
        ports.append(Published(str(ip), int(host), int(container)))
    return ports


def aliases(svc: dict[str, Any]) -> list[str]:
    """A service's network aliases (only the mapping form of `networks:` can declare them)."""
    networks = svc.get("networks", [])
    specs = networks.values() if isinstance(networks, dict) else []
    return [alias for spec in specs for alias in (spec or {}).get("aliases", [])]


def image_tag(image: str) -> str | None:
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else None
