"""The debugger in the app: breakpoints listed, toggled and removed from the keyboard, running
until one holds, a state edit marked where it shows and undone, the what-if table, and a
jump to any step. The numbers are the lab's, checked against the Keras cell in tests/core."""

import numpy as np
import pytest

from pilot import burst, errors, make_app, press, said, settle, warnings
from tui_lab import Lab, LabConfig
from tui_lab.tui.screens.debugger import (BreakpointsScreen, EditStateScreen, StepsScreen,
                                          WhatIfScreen)
from tui_lab.tui.screens.lab import LabScreen


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)
    await settle(pilot)


async def add_breakpoint(pilot, condition: str) -> None:
    await type_text(pilot, condition)
    await press(pilot, "enter")


@pytest.mark.asyncio
async def test_breakpoints_listed_toggled_removed_and_run_until():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "B")
        assert isinstance(app.screen, BreakpointsScreen)
        await add_breakpoint(pilot, "forget[9] < 0.1")  # LSTM(4): no unit 9
        error = str(app.screen.query_one("#breakpoint-error").render())
        assert "column 8 ('9'): the cell has 4 units" in error
        assert app.screen.breakpoints == []
        app.screen.query_one("#breakpoint-input").value = ""
        await add_breakpoint(pilot, "step == 5")
        await add_breakpoint(pilot, "step == 3")
        await add_breakpoint(pilot, "h[0] > 99")
        assert [b.condition for b in app.screen.breakpoints] == ["step == 5", "step == 3",
                                                                 "h[0] > 99"]
        await press(pilot, "down")  # into the list
        await press(pilot, "up", "space")  # turn 'step == 3' off
        await press(pilot, "down", "delete")  # remove 'h[0] > 99'
        assert [(b.condition, b.enabled) for b in app.screen.breakpoints] == [
            ("step == 5", True), ("step == 3", False)]
        await press(pilot, "enter")  # run until
        assert isinstance(app.screen, LabScreen)
        assert app.snapshot.t == 5
        assert "'step == 5' holds after step 5 (batch row 1: step 5)" in said(app)
        assert [(b.condition, b.enabled) for b in app.breakpoints] == [
            ("step == 5", True), ("step == 3", False)]
        await press(pilot, "u")  # again: nothing holds after step 5
        assert app.snapshot.t == app.snapshot.timesteps
        assert "no breakpoint held up to the end (step 7): step ran 6..7 over 2 steps." \
            in warnings(app)


@pytest.mark.asyncio
async def test_run_until_a_gate_stops_where_the_lab_does():
    lab = Lab(LabConfig(units=4))
    reference = Lab(LabConfig(units=4))
    reference.run_to_end()
    forget = reference.snapshot().gates["forget"][:, 0, 3]
    value = float(np.sort(forget)[1]) + 1e-4  # the second-lowest: not the first step
    expected = int(np.flatnonzero(forget < value)[0]) + 1
    app = make_app(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "B")
        await add_breakpoint(pilot, f"forget[3] < {value}")
        await press(pilot, "escape")  # kept, not run
        assert app.snapshot.t == 0 and len(app.breakpoints) == 1
        await press(pilot, "u")
        assert app.snapshot.t == expected
        assert f"holds after step {expected}" in said(app)[-1]


@pytest.mark.asyncio
async def test_run_until_without_breakpoints_says_how_to_add_one():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "u")
        assert "no breakpoint is on: add one with B" in warnings(app)
        assert app.snapshot.t == 0


@pytest.mark.asyncio
async def test_an_edit_is_marked_followed_and_undone():
    app = make_app()
    plain = Lab(LabConfig())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "E")
        assert isinstance(app.screen, EditStateScreen)
        await type_text(pilot, "c[9] = 1")
        await press(pilot, "enter")
        assert "the unit is 0..3" in str(app.screen.query_one("#edit-error").render())
        app.screen.query_one("#edit-input").value = ""
        await type_text(pilot, "c[1] = 0.5")
        await press(pilot, "enter")
        assert isinstance(app.screen, LabScreen) and not errors(app)
        snapshot = app.snapshot
        assert [e.as_dict() for e in snapshot.edits] == [
            {"kind": "set", "step": 2, "state": "c", "unit": 1, "value": 0.5, "row": None}]
        assert snapshot.c[1, 0, 1] == np.float32(0.5)
        status = str(app.lab_screen.query_one("#status").render())
        assert "✎ 1 edit" in status
        grid = app.lab_screen.query_one("#states-grid")
        # Row 0 is the initial state, row k the state after step k.
        assert " 2✎" in grid.draw_row(2).text and "✎" not in grid.draw_row(1).text
        await press(pilot, "end")
        layer = app.lab_screen.query_one("#layer-body").content.plain
        assert "max |error| steps before the first edit vs layer: 0 ✓ bit for bit" in layer
        plain.run_to_end()
        diff = app.snapshot.what_if
        np.testing.assert_allclose(diff.dc, app.snapshot.c - plain.snapshot().c, atol=1e-5)
        await press(pilot, "W")
        assert isinstance(app.screen, WhatIfScreen)
        table = app.screen.query_one("#what-if-table").render()
        lines = str(table).splitlines()
        assert lines[0] == "✎ c[1] = 0.5 after step 2 (every row)"
        largest = diff.max_per_step
        assert f"{largest[3]:9.2e}" in lines[6]  # step 4's row: the edit travels on
        await press(pilot, "escape", "U")
        assert app.snapshot.edits == () and "the last edit is undone" in said(app)
        np.testing.assert_array_equal(app.snapshot.c, plain.snapshot().c)
        await press(pilot, "U")
        assert "no edit to undo" in said(app)


@pytest.mark.asyncio
async def test_a_gate_clamp_from_the_edit_dialog_is_marked_and_undone():
    app = make_app()
    plain = Lab(LabConfig())
    plain.run_to_end()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "E")
        legend = " ".join(str(s.render()) for s in app.screen.query(".legend"))
        assert "Clamp a gate (input, forget, candidate, output)" in legend
        await type_text(pilot, "update[1] = 0")  # a GRU's gate, not this LSTM's
        await press(pilot, "enter")
        assert "not 'update'" in str(app.screen.query_one("#edit-error").render())
        app.screen.query_one("#edit-input").value = ""
        await type_text(pilot, "forget[1] = 0")
        await press(pilot, "enter")
        assert isinstance(app.screen, LabScreen) and not errors(app)
        assert [e.as_dict() for e in app.snapshot.edits] == [
            {"kind": "clamp", "step": 2, "gate": "forget", "unit": 1, "value": 0.0, "row": None}]
        assert "✎ 1 edit" in str(app.lab_screen.query_one("#status").render())
        await press(pilot, "end")
        snapshot = app.snapshot
        assert np.all(snapshot.gates["forget"][2:, :, 1] == 0.0)
        assert np.abs(snapshot.c[2:, :, 1] - plain.snapshot().c[2:, :, 1]).max() > 1e-4
        await press(pilot, "W")
        lines = str(app.screen.query_one("#what-if-table").render()).splitlines()
        assert lines[0] == "✎ forget[1] held at 0 after step 2 (every row)"
        await press(pilot, "escape", "U")
        assert app.snapshot.edits == ()
        np.testing.assert_array_equal(app.snapshot.c, plain.snapshot().c)


@pytest.mark.asyncio
async def test_what_if_before_any_edit_and_edits_with_a_model_open():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "W")
        assert isinstance(app.screen, LabScreen)
        assert "no edits yet: edit a state with E, then step on" in said(app)


@pytest.mark.asyncio
async def test_next_word_breakpoints_with_a_model_open_and_refused_without(keras):
    from tui_lab.trained.loading import shipped_model_path

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "B")
        await add_breakpoint(pilot, "next == love")
        error = str(app.screen.query_one("#breakpoint-error").render())
        assert "column 1 ('next'): the next word needs a trained model open" in error
    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lab = app.lab.lab  # the shown direction's Lab, for the step the app should stop at
        await press(pilot, "B")
        await add_breakpoint(pilot, "p(pretender) > 0.3")
        assert [b.condition for b in app.screen.breakpoints] == ["p(pretender) > 0.3"]
        await press(pilot, "escape", "u")
        await settle(pilot)
        assert any("'p(pretender) > 0.3' holds after step" in m for m in said(app))
        assert not errors(app)
        # The head on the stepped output there (Keras' Dense layer on the Keras cell's output).
        dense = app.lab.model.model.get_layer("next_word")
        t = app.snapshot.t
        word = app.lab.model.word_index["pretender"]
        p_then = np.asarray(dense(lab.snapshot(layer=False).output[t - 1]))[:, word]
        p_before = np.asarray(dense(lab.snapshot(layer=False).output[:t - 1].reshape(-1, 32)))
        assert p_then.max() > 0.3 and (p_before[:, word] <= 0.3).all()
        # Edits with a model: tests/tui/test_debugger_model_edits_app.py.


@pytest.mark.asyncio
async def test_jump_to_any_step_from_the_list():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "J")
        assert isinstance(app.screen, StepsScreen)
        await press(pilot, "down", "down", "down", "down", "enter")
        assert isinstance(app.screen, LabScreen)
        assert app.snapshot.t == 4
        await press(pilot, "J", "up", "up", "enter")
        assert app.snapshot.t == 2


@pytest.mark.asyncio
async def test_jump_in_ten_thousand_steps_by_number_or_from_the_steps_around():
    rng = np.random.default_rng(0)
    app = make_app(Lab(LabConfig(cell="gru", units=3), vectors=rng.normal(size=(10_000, 2))))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "J")
        assert isinstance(app.screen, StepsScreen)
        listed = app.screen.query_one("#step-list")
        assert listed.option_count == StepsScreen.WINDOW + 1  # steps 0..200, not 10,001
        legend = str(app.screen.query_one("#step-legend").render())
        assert "steps 0..200 of 10000: type a number for any other" in legend
        await type_text(pilot, "99999")  # a digit in the list goes to the field
        await press(pilot, "enter")
        assert "a step is a whole number 0..10000, not '99999'" in str(
            app.screen.query_one("#step-error").render())
        app.screen.query_one("#step-input").value = ""
        await type_text(pilot, "9876")
        await press(pilot, "enter")
        await settle(pilot)
        assert isinstance(app.screen, LabScreen) and app.snapshot.t == 9876
        await press(pilot, "J")  # the list is now around step 9876
        listed = app.screen.query_one("#step-list")
        assert listed.get_option_at_index(0).id == "step-9676"
        assert listed.get_option_at_index(listed.option_count - 1).id == "step-10000"
        await press(pilot, "down", "down", "enter")
        await settle(pilot)
        assert app.snapshot.t == 9878


@pytest.mark.asyncio
async def test_double_keys_in_the_debugger_dialogs_keep_the_lab_screen():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for opener, keys in [("B", ("escape", "escape")), ("J", ("enter", "enter")),
                             ("E", ("escape", "escape"))]:
            await press(pilot, opener)
            burst(app, *keys)
            await pilot.pause()
            await settle(pilot)
            assert isinstance(app.screen, LabScreen), opener
        await press(pilot, "space", "E")
        await type_text(pilot, "h[0] = 1")
        burst(app, "enter", "enter")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, LabScreen)
        assert len(app.snapshot.edits) == 1  # one edit, not two


@pytest.mark.asyncio
async def test_the_edit_dialog_counts_batch_rows_from_1_like_the_rest_of_the_app():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m", "j", "m", "j", "j", "m")  # lines 1, 2 and 4: three rows
        await press(pilot, "space", "space", "E")
        assert app.snapshot.batch_size == 3
        for typed in ("h[0] = 1 row 4", "h[0] = 1 row 0"):
            app.screen.query_one("#edit-input").value = ""
            await type_text(pilot, typed)
            await press(pilot, "enter")
            error = str(app.screen.query_one("#edit-error").render())
            assert error == ("batch rows are numbered from 1: the batch has 3 rows, so the row "
                             f"is 1..3, not {typed[-1]}")
        app.screen.query_one("#edit-input").value = ""
        await type_text(pilot, "h[0] = 1 row 3")
        await press(pilot, "enter")
        assert isinstance(app.screen, LabScreen) and not errors(app)
        assert [e.describe() for e in app.snapshot.edits] == [
            "h[0] = 1 after step 2 (batch row 3)"]
        assert app.snapshot.h[1, 2, 0] == np.float32(1.0)  # the 0-based row 2 of the lab


@pytest.mark.asyncio
async def test_the_edit_dialog_with_one_row_says_1_row():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "E")
        await type_text(pilot, "forget[0] = 0 row 5")  # a clamp's row too
        await press(pilot, "enter")
        error = str(app.screen.query_one("#edit-error").render())
        assert error == ("batch rows are numbered from 1: the batch has 1 row, so the row is 1, "
                         "not 5")
        assert app.snapshot.edits == ()


@pytest.mark.asyncio
async def test_a_value_float32_cannot_hold_is_refused_in_the_edit_dialog():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "E")
        await type_text(pilot, "c[0] = -3.5e38")
        await press(pilot, "enter")
        error = str(app.screen.query_one("#edit-error").render())
        assert error == ("the value must be a number that float32 holds (at most 3.402823e+38 "
                         "either side of 0), not -3.5e+38")
        assert isinstance(app.screen, EditStateScreen) and app.snapshot.edits == ()


@pytest.mark.asyncio
async def test_a_breakpoint_hit_names_the_value_it_shows():
    lab = Lab(LabConfig())
    ident = int(lab.snapshot().batch.rows[0].padded[lab.snapshot().order[2]])  # step 3's id
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "B")
        await add_breakpoint(pilot, f"token == {ident}")
        await press(pilot, "escape", "u")
        assert f"holds after step 3 (batch row 1: token id {ident})" in said(app)[-1]


@pytest.mark.asyncio
async def test_a_breakpoint_no_step_can_reach_is_refused_in_the_dialog():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        total = app.snapshot.timesteps
        await press(pilot, "B")
        await add_breakpoint(pilot, "step == -1")
        error = str(app.screen.query_one("#breakpoint-error").render())
        assert error == (f"bad condition 'step == -1' at column 9 ('-1'): steps run 1..{total} "
                         f"(0: before the first), so a step is 0..{total}")
        assert app.screen.breakpoints == []
        app.screen.query_one("#breakpoint-input").value = ""
        await add_breakpoint(pilot, f"step == {total}")
        assert [b.condition for b in app.screen.breakpoints] == [f"step == {total}"]


@pytest.mark.asyncio
async def test_a_word_num_words_encodes_as_oov_is_refused_in_the_dialog():
    app = make_app(Lab(LabConfig(num_words=20)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        word_index = app.snapshot.word_index
        rare = next(word for word, ident in word_index.items() if ident >= 20)
        await press(pilot, "B")
        await add_breakpoint(pilot, f"token == {rare}")
        error = str(app.screen.query_one("#breakpoint-error").render())
        assert error.endswith(f"its id {word_index[rare]} is not below num_words=20, so the "
                              "Tokenizer encodes it as <OOV>: it never comes")
        assert app.screen.breakpoints == []
