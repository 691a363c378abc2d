"""Raw vectors in the panels: no tokenizer or padding details (nothing was tokenized or
padded) and no empty quotes where a token would be named."""

import numpy as np
import pytest

from pilot import look_at, make_app, press, screen_rows, settle, text_of
from tui_lab import Lab, LabConfig
from tui_lab.tui.widgets.labels import token_at
from tui_lab.tui.widgets.tokens import TokensPanel


def vectors_app(**config):
    """A lab of three raw 2-d vectors (maxlen given, as a text would have it)."""
    vectors = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
    return make_app(Lab(LabConfig(maxlen=7, **config), vectors=vectors))


async def shown(app, pilot, panel: str) -> str:
    """The text of a panel (a tab at 80x24), brought up first."""
    app.screen.show_panel(panel)
    await settle(pilot)
    if panel == "tokens":
        return app.screen.query_one(TokensPanel).content.plain
    return text_of(app.screen.query_one("#gates-where"))


@pytest.mark.asyncio
async def test_vectors_say_what_the_input_is_instead_of_padding_and_tokens():
    app = vectors_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        tokens = await shown(app, pilot, "tokens")
        assert "padding=" not in tokens and "maxlen" not in tokens
        assert "raw vectors, 3 timesteps, not padded" in tokens
        assert (await shown(app, pilot, "gates")).strip() == "LSTM step 2/3: position 1 x[1]"


@pytest.mark.asyncio
async def test_text_keeps_its_padding_details_and_quoted_token():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        snapshot = app.snapshot
        assert f"maxlen={snapshot.config.maxlen}" in await shown(app, pilot, "tokens")
        word = token_at(snapshot, snapshot.position)
        assert (await shown(app, pilot, "gates")).rstrip().endswith(f"{word!r}")


@pytest.mark.asyncio
async def test_the_embed_table_of_vectors_has_no_id_or_token_columns():
    app = vectors_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space")
        await look_at(pilot, "embeddings")
        rows = [" ".join(row.split()) for row in screen_rows(app)]
        assert "pos x0 x1" in rows  # the header: nothing was tokenized
        assert "▶ 0 +1.000 +2.000" in rows and "1 +3.000 +4.000" in rows


@pytest.mark.asyncio
async def test_the_states_table_of_vectors_has_no_token_column():
    app = vectors_app(units=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        await look_at(pilot, "states")
        rows = [" ".join(row.split()) for row in screen_rows(app)]
        header = next(row for row in rows if row.startswith("t pos"))
        assert header.split()[:3] == ["t", "pos", "h0"], header  # nothing was tokenized
        assert any(row.startswith("▶ 2 1 ") for row in rows)  # step 2 read position 1
