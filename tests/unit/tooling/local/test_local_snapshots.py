"""Snapshots as folders: names, save, find, list, load and delete (no services: plain files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketflow_dev.local import snapshots
from ticketflow_dev.local.service import Layout, StackError


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    layout = Layout(tmp_path / "home")
    (layout.state / "emulator").mkdir(parents=True)
    (layout.state / "emulator" / "dynamodb.json").write_text('{"v": 1}', encoding="utf-8")
    (layout.home / "outputs").mkdir()
    (layout.home / "outputs" / "Ticketflow.json").write_text('{"o": 1}', encoding="utf-8")
    return layout


@pytest.mark.parametrize("name", ["", "-x", "a b", "../up", "x" * 65, "é"])
def test_a_bad_name_is_refused_with_what_a_name_may_hold(name: str) -> None:
    with pytest.raises(StackError, match="1-64 letters, digits"):
        snapshots.check_name(name)


def test_a_saved_snapshot_is_listed_and_loaded_back_over_a_changed_state(layout: Layout) -> None:
    # GIVEN a snapshot of the state
    taken = snapshots.save(layout, "demo-1", {"tickets": 20}, {"operations": {}})

    # WHEN the state changes, then the snapshot is loaded
    (layout.state / "emulator" / "dynamodb.json").write_text('{"v": 2}', encoding="utf-8")
    (layout.state / "emulator" / "extra.json").write_text("{}", encoding="utf-8")
    snapshots.load(layout, snapshots.find(layout, "demo-1"))

    # THEN it is listed with what it holds, and the state and outputs are exactly as they were
    assert [(s.name, s.holds, s.faults) for s in snapshots.snapshots(layout)] == [
        ("demo-1", {"tickets": 20}, {"operations": {}})
    ]
    assert taken.size > 0
    assert sorted(p.name for p in (layout.state / "emulator").iterdir()) == ["dynamodb.json"]
    assert (layout.state / "emulator" / "dynamodb.json").read_text(encoding="utf-8") == '{"v": 1}'
    assert (layout.home / "outputs" / "Ticketflow.json").read_text(encoding="utf-8") == '{"o": 1}'


def test_an_existing_name_is_refused_and_an_unknown_one_lists_the_known(layout: Layout) -> None:
    snapshots.save(layout, "a", {}, None)
    with pytest.raises(StackError, match="snapshot 'a' exists: pick another name"):
        snapshots.save(layout, "a", {}, None)
    with pytest.raises(StackError, match=r"no snapshot named 'b' \(known: a\)"):
        snapshots.find(layout, "b")


def test_a_deleted_snapshot_is_gone_and_a_copy_cut_short_is_no_snapshot(layout: Layout) -> None:
    snapshots.save(layout, "a", {}, None)
    (layout.snapshots / ".b.partial" / "state").mkdir(parents=True)  # a save interrupted mid-copy
    snapshots.delete(layout, "a")
    assert snapshots.snapshots(layout) == []
    with pytest.raises(StackError, match="known: none yet"):
        snapshots.delete(layout, "a")
