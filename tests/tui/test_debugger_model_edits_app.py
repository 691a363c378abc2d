"""State edits with the shipped model open in the app: E edits (marked ✎), the model bar says
its next words are the unedited model(ids), W shows the next-word columns (the model's own
Dense head on the edited and unedited outputs compared), U undoes. Snapshot of that W screen
at 80x24 (regenerate with --snapshot-update and look at the SVG)."""

import numpy as np
import pytest

from pilot import errors, make_app, press, said, settle
from tui_lab.trained.lab import ModelLab
from tui_lab.trained.loading import shipped_model_path
from tui_lab.tui.screens.debugger import EditStateScreen, WhatIfScreen
from tui_lab.tui.screens.lab import LabScreen

EDIT = "h[5] = 0.9"
SNAPSHOT_EDIT = "c[11] = -3"  # (changes the most probable next word at step 5)


def typed(text: str) -> tuple[str, ...]:
    return tuple("space" if char == " " else char for char in text)


@pytest.mark.asyncio
async def test_an_edit_with_the_model_open_reaches_the_next_word(keras):
    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space", "space", "E")
        assert isinstance(app.screen, EditStateScreen)
        await press(pilot, *typed(EDIT), "enter")
        assert isinstance(app.screen, LabScreen) and not errors(app)
        assert [e.as_dict() for e in app.snapshot.edits] == [
            {"kind": "set", "step": 4, "state": "h", "unit": 5, "value": 0.9, "row": None}]
        assert "✎ 1 edit" in str(app.lab_screen.query_one("#status").render())
        grid = app.lab_screen.query_one("#states-grid")
        assert " 4✎" in grid.draw_row(4).text
        bar = str(app.lab_screen.query_one("#model-bar").render())
        assert "unedited next:" in bar and "head < 1e-5 ✓" in bar
        await press(pilot, "end", "W")
        assert isinstance(app.screen, WhatIfScreen)
        lines = str(app.screen.query_one("#what-if-table").render()).splitlines()
        assert lines[0] == "✎ h[5] = 0.9 after step 4 (every row)"
        assert lines[2].split() == ["step", "max|Δh|", "max|Δc|", "TV", "max|Δp|", "next",
                                    "q", "→", "p"]
        # The model's own Dense head on the edited outputs (the app's) and on the unedited
        # ones (a lab without the edit), compared as the table says.
        dense = app.lab.model.model.get_layer("next_word")
        plain = ModelLab(app.lab.model)
        plain.run_to_end()
        p = np.asarray(dense(app.snapshot.output[:, 0]), np.float64)
        q = np.asarray(dense(plain.snapshot().output[:, 0]), np.float64)
        tv = 0.5 * np.abs(p - q).sum(axis=1)
        largest = np.abs(p - q).max(axis=1)
        assert tv[3] > 1e-3 and not tv[:3].any()
        words = {i: w for w, i in app.lab.model.word_index.items()}
        for k, line in enumerate(lines[3:3 + len(tv)]):
            cells = line.split()
            assert abs(float(cells[-5 if "→" in line else -3]) - tv[k]) <= 6e-4
            assert abs(float(cells[-4 if "→" in line else -2]) - largest[k]) <= 6e-4
            assert words[int(q[k].argmax())].startswith(cells[-3 if "→" in line else -1])
        await press(pilot, "escape", "U")
        assert app.snapshot.edits == () and app.snapshot.what_if is None
        assert "the last edit is undone" in said(app)
        np.testing.assert_array_equal(app.snapshot.h, plain.snapshot().h)
        assert "unedited" not in str(app.lab_screen.query_one("#model-bar").render())


@pytest.mark.asyncio
async def test_edit_dialog_says_why_a_bidirectional_layer_takes_no_edits(keras, tmp_path):
    L = keras.layers
    keras.utils.set_random_seed(1)
    inputs = keras.Input((5,), dtype="int32")
    x = L.Bidirectional(L.LSTM(3), name="rnn")(L.Embedding(9, 3)(inputs))
    path = tmp_path / "bi.keras"
    keras.Model(inputs, L.Dense(9, activation="softmax")(x)).save(path)
    app = make_app(model={"path": str(path), "raw_ids": True})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.snapshot.model is not None, said(app)
        await press(pilot, "space", "E", *typed("h[1] = 0.5"), "enter")
        assert isinstance(app.screen, EditStateScreen)
        error = str(app.screen.query_one("#edit-error").render())
        assert "layer rnn of bi.keras is Bidirectional" in error
        await press(pilot, "escape")
        assert app.snapshot.edits == ()


def test_what_if_with_the_model(snap_compare):
    app = make_app(model={"path": shipped_model_path()}, theme="textual-dark")

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in ("space",) * 4 + ("E", *typed(SNAPSHOT_EDIT), "enter", "end", "W"):
            await pilot.press(key)
            await settle(pilot)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
