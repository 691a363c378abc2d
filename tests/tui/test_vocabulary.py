"""The vocabulary on screen (v, or "vocabulary" / "word_index" in ctrl+p): the fitted
word_index with each entry's id, count and marks, filtered as you type, scrolled by keys and
mouse; escape closes it and a burst of Enters or Escapes never closes the lab screen."""

from __future__ import annotations

import numpy as np
import pytest

from tui_lab import Lab, LabConfig
from tui_lab.tui.screens.lab import LabScreen
from tui_lab.tui.screens.word_index import WordIndexList, WordIndexScreen

from pilot import burst, make_app, press, settle, text_of, warnings

pytestmark = pytest.mark.asyncio


def spy_submits(app) -> list[str]:
    """The labels of the jobs queued from now on (on the lab, or beside it)."""
    labels, submit, submit_beside = [], app.submit, app.submit_beside

    def spy(label, operation, done=None):
        labels.append(label)
        submit(label, operation, done)

    def spy_beside(label, operation, show=None):
        labels.append(label)
        submit_beside(label, operation, show)

    app.submit, app.submit_beside = spy, spy_beside
    return labels


async def open_it(pilot) -> WordIndexScreen:
    await press(pilot, "v")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WordIndexScreen), pilot.app.screen_stack
    return screen


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def still_stepping(pilot) -> None:
    app = pilot.app
    assert isinstance(app.screen, LabScreen), app.screen_stack
    assert len(app.screen_stack) == 2  # the default screen and the lab screen, nothing else
    t = app.lab.t
    await press(pilot, "space")
    assert app.snapshot.t == t + 1


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_v_shows_the_lessons_word_index_and_typing_finds_aroundtoo(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await open_it(pilot)
        about = text_of(screen.query_one("#word-index-about"))
        assert "70 entries (69 words + <OOV>)" in about and "num_words=150" in about
        rows = screen.list_view.rows()
        assert len(rows) == 70
        assert rows[0].split()[:3] == ["1", "<OOV>", "0"] and "OOV: unknown words" in rows[0]
        assert rows[1].split() == ["2", "i'm", "10"]
        assert screen.focused is screen.query_one("#word-index-search")
        await type_text(pilot, "aroundtoo")
        assert [row.split() for row in screen.list_view.rows()] == [["70", "aroundtoo", "1"]]
        assert text_of(screen.query_one("#word-index-status")).strip() == \
            "1 of 70 entries match 'aroundtoo'"
        # Nothing is cut off: the list and its last line are inside the screen.
        dialog = screen.query_one("#word-index").region
        assert dialog.right <= size[0] and dialog.bottom <= size[1]
        assert screen.list_view.region.height >= 10
        await press(pilot, "escape")
        await still_stepping(pilot)


async def test_an_id_finds_its_word_and_a_miss_says_so():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_it(pilot)
        await type_text(pilot, "70")
        assert [row.split()[:2] for row in screen.list_view.rows()] == [["70", "aroundtoo"]]
        await type_text(pilot, "0")
        assert screen.list_view.rows() == []
        assert "no entry matches '700'" in text_of(screen.query_one("#word-index-status"))
        for _ in range(3):
            await pilot.press("backspace")
        await pilot.pause()
        assert len(screen.list_view.rows()) == 70


async def test_num_words_marks_the_ids_it_drops():
    app = make_app(Lab(LabConfig(num_words=10)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_it(pilot)
        assert "61 entries (ids ≥ 10) are encoded as <OOV>" in text_of(
            screen.query_one("#word-index-about"))
        rows = screen.list_view.rows()
        assert "≥ num_words" not in rows[8] and "✗ ≥ num_words: encoded as <OOV>" in rows[9]
        assert rows[0].split()[:3] == ["1", "<OOV>", "115"]  # what num_words turns into <OOV>


async def test_keys_and_the_mouse_scroll_the_list_while_the_search_has_the_focus():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_it(pilot)
        view = screen.query_one(WordIndexList)
        assert view.show_vertical_scrollbar and view.max_scroll_y > 0
        await pilot.press("down", "down")
        await pilot.pause()
        assert view.scroll_y == 2
        await pilot.press("pagedown")
        await pilot.pause()
        assert view.scroll_y > 2 + 5
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert view.rows()[-1] in text_of_lines(view)
        await pilot.press("home")
        await pilot.pause()
        assert view.scroll_y == 0
        await pilot.press("up")  # already at the top
        await pilot.pause()
        assert view.scroll_y == 0
        # The mouse wheel over the list scrolls it too.
        await scroll_wheel(pilot, view, down=True)
        assert view.scroll_y > 0
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert view.scroll_y == 0
        assert screen.focused is screen.query_one("#word-index-search")
        # Typing after scrolling filters from the top.
        await press(pilot, "end")
        await type_text(pilot, "pre")
        assert view.scroll_y == 0 and [r.split()[1] for r in view.rows()] == [
            "pretender", "pretending", "pretend"]


def text_of_lines(view) -> str:
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def scroll_wheel(pilot, widget, down: bool) -> None:
    from textual import events

    region = widget.region
    x, y = region.x + 2, region.y + 2
    event = (events.MouseScrollDown if down else events.MouseScrollUp)(
        widget, x - region.x, y - region.y, 0, 0, 0, False, False, False, screen_x=x, screen_y=y)
    widget.post_message(event)
    await pilot.pause()


@pytest.mark.parametrize("query", ["vocab", "word_index"])
async def test_the_command_palette_finds_it(query):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*query)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, WordIndexScreen)


async def test_help_lists_the_key():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert "| v | Vocabulary: the word_index" in app.screen.query_one("Markdown").source


@pytest.mark.parametrize("keys", [("escape", "escape"), ("enter", "enter")])
async def test_two_presses_at_once_close_only_the_dialog(keys):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await open_it(pilot)
        await type_text(pilot, "real")
        burst(app, *keys)
        await pilot.pause()
        await settle(pilot)
        assert labels == ["Vocabulary"]  # the second Enter did not choose a line on the lab
        await still_stepping(pilot)


async def test_v_twice_at_once_opens_one_screen():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        burst(app, "v", "v")
        await pilot.pause()
        await settle(pilot)
        assert sum(isinstance(s, WordIndexScreen) for s in app.screen_stack) == 1
        await press(pilot, "escape")
        await still_stepping(pilot)


async def test_raw_vectors_have_no_vocabulary():
    vectors = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
    app = make_app(Lab(vectors=vectors))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        labels = spy_submits(app)
        await press(pilot, "v")
        assert isinstance(app.screen, LabScreen) and labels == []
        assert any("raw vectors: there is no vocabulary" in w for w in warnings(app))


async def test_a_files_odd_words_reach_the_screen_as_text(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("escape \x1b[31m red \x07 bell\n" + "x" * 300 + " 日本語\n", encoding="utf-8")
    app = make_app(Lab(LabConfig(num_words=1000), text=path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_it(pilot)
        rows = screen.list_view.rows()
        assert not any(c in "".join(rows) for c in "\x1b\x07")
        assert any("␛" in row for row in rows) and any("日本語" in row for row in rows)
        long = next(row for row in rows if "xxx" in row)
        assert "…" in long and len(long) < 80


async def test_a_trained_models_word_index(keras):
    from tui_lab.trained.lab import ModelLab
    from tui_lab.trained.loading import shipped_model_path, word_index_path

    app = make_app(model={"path": shipped_model_path()})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.lab, ModelLab)
        screen = await open_it(pilot)
        about = text_of(screen.query_one("#word-index-about"), width=1000)
        assert f"word_index from {word_index_path(shipped_model_path())}" in about
        assert "counted here (a saved word_index has no counts)" in about
        await type_text(pilot, "aroundtoo")
        assert [row.split() for row in screen.list_view.rows()] == [["70", "aroundtoo", "1"]]
