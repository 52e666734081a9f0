"""The young state: the emulator's state right after a deploy into an empty emulator, saved once per template
fingerprint and loaded in seconds, so `ticketflow reset` and each test session start from a fresh deployment
instead of redeploying (or of the state earlier runs left, which slows every run down).

MiniStack writes its state only when it stops cleanly (there is no save endpoint): taking a young state is
deploy, a clean stop, a copy of `<home>/state/emulator` and the stack's outputs into
`<home>/young/<fingerprint>/`, and a start; loading one is a kill (its state is replaced, not saved), the
copy back and a start. The fingerprint covers everything the template is made from: the files the CDK app
reads (`infra/cdk.json`'s watch list), the pins of the CDK, the functions and the emulator, and the settings
the deploy runs with. Only the emulator's state is young: the warehouse keeps its rows, fake_bedrock its
faults (as `ticketflow reset` always did).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ticketflow_dev.core.polling import wait_until
from ticketflow_dev.local import supervisor
from ticketflow_dev.local.emulator import drop_emulator_state
from ticketflow_dev.local.emulator_state import SAVED_RECORD, record_save
from ticketflow_dev.local.processes import port_is_free
from ticketflow_dev.local.service import Layout, StackError
from ticketflow_dev.local.snapshots import copy_tree
from ticketflow_dev.local.supervisor import Progress
from ticketflow_dev.stack.deploy import deploy_intent, outputs_file
from ticketflow_dev.targets import RunningStack, Target
from ticketflow_infra.paths import REPO_ROOT
from ticketflow_infra.settings import Settings

EMULATOR = "emulator"
MANIFEST = "young.json"
KEEP = 3  # young states kept per home: a few branches' worth, ~the size of one deployment each
# Beside the CDK app's own inputs: the CDK CLI and library pins, the functions' pins, the emulator's (whose
# version writes and reads the saved files).
PINNED_INPUTS = (
    "package-lock.json",
    "requirements/dev.txt",
    "requirements/lambda.txt",
    "requirements/emulator.txt",
)
_SKIPPED = ("__pycache__", ".pyc")

PORT_FREED_TIMEOUT = 30.0
Deploy = Callable[[Settings], None]


@dataclass(frozen=True)
class YoungState:
    fingerprint: str
    folder: Path
    created_at: float
    deploy_seconds: float  # what taking it cost: the deploy it saves each later load


@dataclass(frozen=True)
class Started:
    """The stack on its young state: how it got there (`loaded` a saved one, or `took` a new one)."""

    running: RunningStack
    young: YoungState
    how: str
    seconds: float


def template_inputs(root: Path = REPO_ROOT) -> list[Path]:
    """Every file the synthesized template depends on, sorted: `infra/cdk.json`'s watch list (the CDK app,
    the functions, the state machine, the runtime package, the ETL), cdk.json itself and the pins."""
    infra = root / "infra"
    watched = json.loads((infra / "cdk.json").read_text(encoding="utf-8"))["watch"]["include"]
    files: set[Path] = {infra / "cdk.json", *(root / name for name in PINNED_INPUTS)}
    for pattern in watched:
        files.update(path for path in infra.glob(pattern.replace("**", "**/*")) if path.is_file())
        files.update(path for path in infra.glob(pattern) if path.is_file())
    return sorted(path.resolve() for path in files if not any(s in str(path) for s in _SKIPPED))


def fingerprint(settings: Settings, root: Path = REPO_ROOT, files: Iterable[Path] | None = None) -> str:
    """A digest of the template's inputs and of the settings it is synthesized with (the functions'
    interpreter's version among them: the wheels are built for it)."""
    digest = hashlib.sha256()
    for path in template_inputs(root) if files is None else files:
        digest.update(str(path.relative_to(root.resolve())).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(settings.as_environment(), sort_keys=True).encode())
    if settings.function_python is not None:
        venv_config = Path(settings.function_python).parent.parent / "pyvenv.cfg"
        if venv_config.is_file():
            digest.update(venv_config.read_bytes())
    return digest.hexdigest()[:20]


def young_states(layout: Layout) -> list[YoungState]:
    """The complete young states of a home, newest first (a copy cut short has no manifest)."""
    folder = layout.home / "young"
    found = (
        [_read(path) for path in folder.iterdir() if (path / MANIFEST).is_file()] if folder.is_dir() else []
    )
    return sorted(found, key=lambda young: young.created_at, reverse=True)


def find(layout: Layout, fingerprint_: str) -> YoungState | None:
    folder = layout.home / "young" / fingerprint_
    return _read(folder) if (folder / MANIFEST).is_file() else None


def _read(folder: Path) -> YoungState:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return YoungState(folder.name, folder, manifest["created_at"], manifest["deploy_seconds"])


def _emulator_state(layout: Layout) -> Path:
    return layout.state / EMULATOR


def save(layout: Layout, settings: Settings, fingerprint_: str, deploy_seconds: float) -> YoungState:
    """Copy the stopped emulator's state and the stack's outputs; the manifest is written last, so a copy
    cut short is never taken for a young state. Older ones beyond `KEEP` are removed."""
    folder = layout.home / "young" / fingerprint_
    partial = folder.with_name(f".{fingerprint_}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    copy_tree(_emulator_state(layout), partial / EMULATOR)
    outputs = outputs_file(settings)
    if outputs.is_file():
        (partial / "outputs").mkdir()
        shutil.copy2(outputs, partial / "outputs" / outputs.name)
    manifest = {"created_at": time.time(), "deploy_seconds": deploy_seconds, "stack": settings.stack_name}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    for old in young_states(layout)[KEEP:]:
        shutil.rmtree(old.folder, ignore_errors=True)
    return _read(folder)


def put_in_place(layout: Layout, settings: Settings, young: YoungState) -> None:
    """Replace the stopped emulator's state and the stack's outputs with the young state's."""
    drop_emulator_state(settings)
    copy_tree(young.folder / EMULATOR, _emulator_state(layout))
    outputs = outputs_file(settings)
    outputs.unlink(missing_ok=True)
    saved = young.folder / "outputs" / outputs.name
    if saved.is_file():
        outputs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(saved, outputs)
    # A crash from here on restarts from this state: the record says it is a complete save.
    record_save(layout.state / SAVED_RECORD, _emulator_state(layout))


def start_young(target: Target, deploy: Deploy, progress: Progress, *, fresh: bool = False) -> Started:
    """Put the emulator on the young state of the current template: load the saved one, or (none saved for
    this fingerprint, or `fresh`) deploy into an empty emulator and save that first. The target must run
    the services itself (the embedded one): only then may their state be replaced."""
    if not target.controls_processes:
        raise StackError(f"TICKETFLOW_STACK={target.name}: only a stack this tool runs can start young")
    began = time.monotonic()
    current = target.function_settings()
    if current.function_python is None:  # the emulator's first start builds the interpreter the wheels need
        target.up(progress=progress)
        current = target.function_settings()
    layout = Layout.of(current)
    digest = fingerprint(current)
    young = None if fresh else find(layout, digest)
    kill_emulator(current, progress)
    if young is None:
        young = _take(target, deploy, progress, digest)
        how = "took"
    else:
        put_in_place(layout, current, young)
        progress(EMULATOR, f"loaded the young state {digest} (saves a {young.deploy_seconds:.0f} s deploy)")
        how = "loaded"
    running = target.up(progress=progress)
    return Started(running, young, how, time.monotonic() - began)


def kill_emulator(settings: Settings, progress: Progress) -> None:
    """SIGKILL to the emulator's process group, then a wait until its port is free: its Lambda workers hold
    the listening socket they inherited until they are gone too, and a start before that finds it taken."""
    supervisor.down(settings, only=(EMULATOR,), kill=True, progress=progress)
    wait_until(
        lambda: port_is_free(settings.bind_host, settings.emulator_port),
        timeout=PORT_FREED_TIMEOUT,
        interval=0.1,
        description=f"port {settings.emulator_port} to be free after the emulator's kill",
    )
    # Its state is replaced next: a crash it had is nothing to recover from.
    supervisor.recovered(settings, EMULATOR)


def _take(target: Target, deploy: Deploy, progress: Progress, digest: str) -> YoungState:
    """An empty emulator, the deploy, a clean stop (MiniStack saves), the copy."""
    settings = target.settings
    layout = Layout.of(settings)
    drop_emulator_state(settings)
    outputs_file(settings).unlink(missing_ok=True)  # it names resources that are gone now
    progress(EMULATOR, f"no young state for template {digest}: deploying into an empty emulator")
    running = target.up(progress=progress)
    deployed = time.monotonic()
    deploy(running.settings)
    deploy_seconds = time.monotonic() - deployed
    supervisor.down(settings, only=(EMULATOR,), progress=progress)
    deploy_intent(settings).unlink(missing_ok=True)  # the clean stop saved the deploy
    young = save(layout, running.settings, digest, deploy_seconds)
    progress(EMULATOR, f"saved the young state {digest} ({deploy_seconds:.0f} s deploy)")
    return young
