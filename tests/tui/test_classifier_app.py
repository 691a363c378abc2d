"""A text classifier of today's tutorials in the app (keras.io's text classification with an
LSTM: TextVectorization inside, padding after the text, no mask, Dense(1, sigmoid)): opened
with no word_index, what the model says after every step in the model bar, and the padding
after the text stepped and measured. Untrained (Keras' seeded initial weights) so that the
snapshots are the same on any machine; the numbers are checked in tests/trained."""

import sys
from pathlib import Path

import pytest

from pilot import errors, press, settle
from tui_lab.trained.lab import ModelLab
from tui_lab.tui.app import LabApp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "trained"))
import recipes  # noqa: E402

REVIEWS = "the movie was great\nawful acting and a truly awful plot\nwhat a film\n"


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    folder = tmp_path_factory.mktemp("classifier")
    path = recipes.keras_io_lstm_classifier(folder / "lstm_classifier.keras", train=False)
    (folder / "reviews.txt").write_text(REVIEWS, encoding="utf-8")
    return path, folder / "reviews.txt"


def classifier_app(classifier) -> LabApp:
    from tui_lab import Lab

    path, text = classifier
    app = LabApp(Lab(text=text), model={"path": path}, theme="textual-dark")
    app.animation_level = "none"
    return app


def bar_text(app) -> str:
    from tui_lab.tui.widgets.model_bar import ModelBar

    return app.lab_screen.query_one(ModelBar).content.plain


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_model_says_after_every_step_and_after_the_padding(classifier, size):
    app = classifier_app(classifier)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(app.lab, ModelLab) and app.lab.model.reader.kind == "layer"
        await press(pilot, "space", "space")
        reading = app.snapshot.model.reading
        assert len(reading.series) == 2
        says = next(line for line in bar_text(app).splitlines() if line.startswith("says"))
        assert f"P(1) {reading.top[0][1]:.3f}" in says
        await press(pilot, "end")
        view = app.snapshot.model
        word, pads, at_word, after = view.after_text
        assert (word, pads) == ("great", 6)
        assert f"'great' {at_word:.3f} → {after:.3f} after 6 pad steps" in bar_text(app)
        assert not errors(app)


def test_classifier_snapshot_at_the_end(snap_compare, classifier):
    async def run_before(pilot):
        await settle(pilot)
        for key in ("end", "tab"):  # narrow: to Layer, where the padding is measured
            await pilot.press(key)
            await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(classifier_app(classifier), run_before=run_before,
                        terminal_size=(80, 24))


@pytest.mark.asyncio
async def test_states_and_embed_say_what_they_show(classifier, tmp_path):
    from pilot import look_at, text_of

    app = classifier_app(classifier)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "end")
        await look_at(pilot, "states")
        step, pads, distance = app.snapshot.after_text(0)
        legend = text_of(app.lab_screen.query_one("#states-legend"))
        assert f"{pads} pad steps after the text (no mask) moved h: ‖h_10 − h_{step}‖ = " \
               f"{distance:.3f}" in " ".join(legend.split())
        await look_at(pilot, "embeddings")
        legend = text_of(app.lab_screen.query_one("#embeddings-legend"))
        assert "the model's Embedding(input_dim=40, output_dim=8)" in " ".join(legend.split())
    # One-hot characters: tokens are characters, and Embed says where each x_t has its 1.
    path, chars = recipes.char_generator(tmp_path / "char.keras")
    text = tmp_path / "text.txt"
    text.write_text(recipes.TEXT, encoding="utf-8")
    from tui_lab import Lab

    app = LabApp(Lab(text=text), model={"path": path, "fit_text": text})
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = app.snapshot.batch.rows[0]
        assert "".join(row.tokens) == recipes.TEXT.splitlines()[0].lower()
        await look_at(pilot, "embeddings")
        legend = " ".join(text_of(app.lab_screen.query_one("#embeddings-legend")).split())
        assert legend.startswith("one-hot characters: x_t is 1 at column id − 1")
        assert not errors(app)
