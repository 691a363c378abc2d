"""A partial screen update that renders only what it writes.

Textual's partial update (`Compositor.render_partial_update`) renders every line of every
widget inside the bounding box of the changed regions. A step at 160x48 changes the status bar
(row 0) and the Gates table (row 45), so that box is the whole screen: every widget, including
the containers behind the tables, renders all its lines again, and only the changed rows are
then written. This update renders, for each widget, only the rows where it shows through in a
changed span, and skips a widget that a widget in front covers there (the screen and the
containers behind a changed table). What is written is the same, chop for chop:
tests/tui/test_compositor.py compares it with Textual's own update as the app is used.

A full update (a resize, a new screen, a screenshot, the snapshots) is Textual's own."""

from __future__ import annotations

from bisect import bisect_left

from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region


class SpanCompositor(Compositor):
    def render_partial_update(self) -> ChopsUpdate | None:
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        spans = list(self._regions_to_spans(update_regions))
        chop_ends = [cut_set[1:] for cut_set in self.cuts]
        return ChopsUpdate(self._render_span_chops(spans), spans, chop_ends)

    def _render_span_chops(self, spans: list[tuple[int, int, int]]) -> list[dict]:
        """Per screen row, its chops (cut x -> Strip); None where nothing is written."""
        cuts = self.cuts
        chops = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        row_spans: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            row_spans.setdefault(y, []).append((x1, x2))
        # Per row, the chops that a span writes and no widget has filled yet (by their cut).
        unfilled = {y: _overlapping(cuts[y], ranges) for y, ranges in row_spans.items()}
        rows = sorted(y for y, left in unfilled.items() if left)
        # Front to back (the order of visible_widgets): a chop belongs to the first widget
        # that covers it, so a widget behind is rendered only where one in front leaves a gap.
        for widget, (region, clip) in self.visible_widgets.items():
            if not rows:
                break  # every chop written is filled: the widgets behind are hidden there
            x, top, width, height = region.intersection(clip)
            right = x + width
            wanted: dict[int, list[int]] = {}  # screen row -> the chops this widget fills
            for y in rows[bisect_left(rows, top):bisect_left(rows, top + height)]:
                needed = [cut for cut in unfilled[y] if x <= cut < right]
                if needed:
                    wanted[y] = needed
            if not wanted:
                continue
            first, last = min(wanted), max(wanted)
            strips = widget.render_lines(
                Region(x - region.x, first - region.y, width, last - first + 1))
            for y, needed in wanted.items():
                if y - first >= len(strips):  # (fewer lines than asked: as Textual's zip)
                    break
                widget_cuts = [cut for cut in cuts[y] if x <= cut <= right]
                pieces = strips[y - first].divide([cut - x for cut in widget_cuts[1:]])
                line = chops[y]
                for cut, piece in zip(widget_cuts, pieces):
                    if cut in needed:
                        line[cut] = piece
                unfilled[y] = [cut for cut in unfilled[y] if cut not in needed]
                if not unfilled[y]:
                    rows.remove(y)
        return chops


def _overlapping(cuts: list[int], ranges: list[tuple[int, int]]) -> list[int]:
    """The cuts of the chops (cut to next cut) that overlap one of the (x1, x2) ranges."""
    if len(ranges) == 1:  # (most rows: one span)
        (x1, x2), = ranges
        return [cut for cut, end in zip(cuts, cuts[1:]) if x1 < end and cut < x2]
    return [cut for cut, end in zip(cuts, cuts[1:])
            if any(x1 < end and cut < x2 for x1, x2 in ranges)]
