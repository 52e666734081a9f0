"""Versioned SQL files (`sql/<dialect>/V001__name.sql`), shipped as package data and applied in order."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

_FILE_NAME = re.compile(r"^V(?P<version>\d{3,})__(?P<name>\w+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file split into statements (for APIs that take one statement at a time).

        Comment lines are dropped; statements end with `;` at the end of a line. The migration files hold no
        literal containing `;` + newline.
        """
        lines = [line for line in self.sql.splitlines() if not line.lstrip().startswith("--")]
        parts = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
        return [part.strip() for part in parts if part.strip()]


class MigrationChecksumError(RuntimeError):
    """An applied migration's file changed afterwards: add a new version instead of editing an old one."""


def load_migrations(dialect: str) -> list[Migration]:
    """The migrations of one dialect (`postgres` or `redshift`), by version."""
    folder = resources.files("ticketflow_etl").joinpath("sql", dialect)
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(match["version"], match["name"], entry.read_text(encoding="utf-8")))
    if not found:
        raise FileNotFoundError(f"no migrations for dialect {dialect!r}")
    return sorted(found, key=lambda migration: int(migration.version))


def pending(migrations: list[Migration], applied: dict[str, str]) -> list[Migration]:
    """The migrations not applied yet; `applied` maps version to checksum, which must still match."""
    for migration in migrations:
        checksum = applied.get(migration.version)
        if checksum is not None and checksum != migration.checksum:
            raise MigrationChecksumError(
                f"migration V{migration.version}__{migration.name} changed after it ran"
            )
    return [migration for migration in migrations if migration.version not in applied]
