"""The number tables and the sparklines leave out Textual's ANSI-to-truecolor filter
(grid.TruecolorLines): it must be the identity on every line they paint, in both themes, with
dim rows (padding), NaN gates (masked steps) and the current row marked."""

import pytest
from textual.filter import ANSIToTruecolor

from tui_lab.tui.widgets.grid import NumberGrid, TruecolorLines
from tui_lab.tui.widgets.states import Trajectories

from pilot import look_at, make_app, press, settle


def unchanged_by_the_filter(app) -> tuple[int, int]:
    """Every line of the tables and sparklines on screen, as painted, against the same line
    passed through the ANSI filter; returns how many lines, and dim segments, were compared."""
    ansi = next(f for f in app._filters if isinstance(f, ANSIToTruecolor))
    compared = dims = 0
    for widget in app.screen.query("NumberGrid, Trajectories"):
        if not widget.size.height:
            continue
        background = widget.background_colors[1]
        for strip in widget.render_lines(widget.size.region):
            assert list(strip.apply_filter(ansi, background)) == list(strip), widget.id
            compared += 1
            dims += sum(1 for segment in strip if segment.style and segment.style.dim)
    return compared, dims


@pytest.mark.asyncio
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_the_ansi_filter_would_change_nothing_in_the_tables(theme):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        app.theme = theme
        await settle(pilot)
        assert all(isinstance(w, TruecolorLines)
                   for w in app.screen.query("NumberGrid, Trajectories"))
        assert not any(isinstance(f, ANSIToTruecolor)
                       for f in app.screen.query_one(NumberGrid).get_line_filters())
        # line 2 is padded (dim rows); z masks the padding (NaN gates at those steps)
        await press(pilot, "down", "enter", "z", "space", "space", "space", "space")
        await look_at(pilot, "gates")
        lines, dims = unchanged_by_the_filter(app)
        assert lines > 30 and dims > 0  # (the padding rows' labels, the masked steps' NaN)
        assert app.screen.query_one(Trajectories).size.height
