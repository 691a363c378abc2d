"""M in the app: why an LSTM remembers. The three shipped models of a task stepped together
(their numbers: tests/trained/test_why.py), the task switched, the reach's log scale labelled,
and the view's work done in the app's worker queue."""

import pytest

from pilot import burst, errors, make_app, press, settle, text_of
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.why import WhyScreen


def body(app) -> str:
    return text_of(app.screen.query_one("#why-body"))


@pytest.mark.asyncio
async def test_m_opens_the_view_and_its_keys_step_all_three():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "M")
        assert isinstance(app.screen, WhyScreen)
        shown = app.screen.shown
        assert shown.task.name == "memory" and shown.t == 0 and shown.line == 1
        assert [c.name for c in shown.columns] == ["memory-simple_rnn", "memory-lstm",
                                                  "memory-gru"]
        await press(pilot, "space", "space", "right", "l")
        shown = app.screen.shown
        assert shown.t == 4 and {len(c.reach) for c in shown.columns} == {4}
        assert "step 4/20" in body(app)
        scale_line = next(line for line in body(app).splitlines() if "log" in line)
        assert "≤1e" in scale_line and "decades" in scale_line  # the decades are labelled
        await press(pilot, "left")
        assert app.screen.shown.t == 3
        await press(pilot, "end")
        assert app.screen.shown.t == 20
        await press(pilot, "home")
        assert app.screen.shown.t == 0
        await press(pilot, "j", "j")
        assert app.screen.shown.line == 3
        await press(pilot, "k")
        assert app.screen.shown.line == 2
        assert app.snapshot.t == 0  # the lab itself did not move
        await press(pilot, "escape")
        assert isinstance(app.screen, LabScreen)
        assert not errors(app)


@pytest.mark.asyncio
async def test_t_switches_the_task_and_keys_typed_ahead_wait_for_it():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        burst(app, "M", "space", "t", "space", "space")  # typed before anything opened
        await pilot.pause()
        await settle(pilot)
        shown = app.screen.shown
        assert shown.task.name == "recall" and shown.t == 2
        assert [c.name for c in shown.columns][0] == "recall-simple_rnn"
        assert "recall: the first word" in body(app)
        await press(pilot, "t")
        assert app.screen.shown.task.name == "memory" and app.screen.shown.t == 0
        burst(app, "escape", "escape", "M")
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, WhyScreen)  # one view, the lab screen under it
        assert [type(s) for s in app.screen_stack[1:]] == [LabScreen, WhyScreen]
        assert not errors(app)


@pytest.mark.asyncio
async def test_the_palette_has_why_an_lstm_remembers():
    from tui_lab.tui.palette import lab_commands

    names = [name for name, action, _ in lab_commands() if action == "why"]
    assert names and names[0].lower().startswith("why an lstm remembers")
