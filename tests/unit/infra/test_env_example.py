""".env.example: every setting of ticketflow_infra.settings.Settings with its default, and nothing secret."""

from __future__ import annotations

import re
from pathlib import Path

from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import ENV_PREFIX, Settings

ENV_EXAMPLE = REPO_ROOT / ".env.example"
ASSIGNMENT = re.compile(r"^#?\s*(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|API_KEY|ACCESS_KEY", re.IGNORECASE)
SECRET_VALUE = [
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bls-[A-Za-z0-9]{4,}"),  # LocalStack auth token
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"[A-Za-z0-9+/=_-]{32,}"),  # any long opaque string (secret keys, tokens)
    re.compile(r"://[^/@\s]+:[^/@\s]+@"),  # a URL with user:password
]


def assignments() -> list[tuple[str, str]]:
    """Every `NAME=value` line, commented out or not, in file order."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return [(m["name"], m["value"].strip()) for line in lines if (m := ASSIGNMENT.match(line.strip()))]


def test_every_ticketflow_name_is_a_settings_field_and_every_field_is_documented() -> None:
    # GIVEN the settings' fields and the TICKETFLOW_* names of .env.example
    fields = set(Settings.model_fields)
    names = {name for name, _ in assignments() if name.startswith(ENV_PREFIX)}

    # WHEN the names are mapped to fields the way Settings.load maps them
    mapped = {name.removeprefix(ENV_PREFIX).lower() for name in names}

    # THEN each name is a real field (no typo silently ignored) and no field is left out
    assert mapped - fields == set()
    assert fields - mapped == set()


def test_documented_defaults_are_the_settings_defaults(tmp_path: Path) -> None:
    # GIVEN the first value given for each TICKETFLOW_* setting, uncommented into a .env of its own
    first: dict[str, str] = {}
    for name, value in assignments():
        if name.startswith(ENV_PREFIX):
            first.setdefault(name, value)
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "".join(f"{name}={value}\n" for name, value in first.items() if value), encoding="utf-8"
    )

    # WHEN Settings loads that file with an empty environment
    loaded = Settings.load(environ={}, dotenv=dotenv)

    # THEN it equals the defaults, and the settings documented empty are those whose default is None
    assert loaded == Settings()
    unset = {name.removeprefix(ENV_PREFIX).lower() for name, value in first.items() if not value}
    assert unset == {field for field, info in Settings.model_fields.items() if info.default is None}


def test_the_example_sets_nothing_by_itself() -> None:
    # GIVEN .env.example copied unchanged to .env / WHEN its active lines are read / THEN there are none
    active = [
        line for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"
    ]
    assert active == []


def test_no_value_looks_like_a_secret() -> None:
    # GIVEN every assignment in .env.example
    found = assignments()
    assert found

    # WHEN / THEN secret-named variables are empty placeholders, and no value looks like a credential
    for name, value in found:
        if SECRET_NAME.search(name):
            assert value == "", name
        for pattern in SECRET_VALUE:
            assert not pattern.search(value), (name, pattern.pattern)
    # ... nor does any comment carry a key
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for pattern in SECRET_VALUE[:3]:
        assert not pattern.search(text), pattern.pattern
