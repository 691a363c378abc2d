"""Snapshot tests for trained models at 80x24 and 160x48: generation mode (the shipped model,
greedy and seeded sampling) and the training screen (a validation error; a finished run on a
tiny text, seed 0). Deterministic: fixed seeds, workers waited for, no timings on screen.
Regenerate with `pytest tests/test_model_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from tui_lab import Lab
from tui_lab.tui.app import LabApp
from tui_lab.trained.loading import shipped_model_path

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
TEXT = "the cat sat on the mat\nthe dog sat on the cat\na cat and a dog\n"


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def generation(sample: bool):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#gen-seed").value = "too real"
        if sample:
            screen.query_one("#gen-sample").value = True
            screen.query_one("#gen-temperature").value = "1.5"
            screen.query_one("#gen-sample_seed").value = "4"
            screen.query_one("#gen-words").value = "3"
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        for key in ("n", "N") if sample else ("n", "n"):
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def training(finish: bool):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        screen = pilot.app.screen
        for name, value in (("units", "4"), ("embedding_dim", "3"), ("epochs", "3")):
            screen.query_one(f"#train-{name}").value = value
        if not finish:
            screen.query_one("#train-units").value = "0"
            screen.query_one("#train-output").value = "model.txt"
        await pilot.pause()
        if finish:
            await pilot.press("ctrl+s")
            await settle(pilot)
            await settle(pilot)  # the model opened in the lab
            pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sample", [False, True], ids=["greedy", "sampling"])
def test_generation(snap_compare, size, sample):
    app = LabApp(Lab(), theme="textual-dark", model={"path": shipped_model_path()})
    app.animation_level = "none"
    assert snap_compare(app, run_before=generation(sample), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("finish", [False, True], ids=["form_error", "finished"])
def test_training_screen(snap_compare, size, finish, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # relative names on screen: no temporary path in the SVG
    (tmp_path / "tiny.txt").write_text(TEXT)
    app = LabApp(Lab(text="tiny.txt"), theme="textual-dark")
    app.animation_level = "none"
    assert snap_compare(app, run_before=training(finish), terminal_size=size)
