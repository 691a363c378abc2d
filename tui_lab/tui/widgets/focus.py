"""A lab panel that the learner can focus to scroll it with the arrow keys.

The arrows are step and line keys (← → step, ↑ ↓ lines): a learner relies on them. So a panel
takes them only while it has the focus, which it gets from a click or from F (the lab
screen), and gives back on esc or F. Textual asks the focused widget for a key's binding
before the screen, so these bindings win only then; every other key (space, l, h, j, k, g,
G ...) is not bound here and still reaches the lab. The panel's border (its left edge at
narrow sizes), the status bar and the footer show that the arrows scroll.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget

FOCUSED_HINT = "↑↓←→ scroll · esc: keys step again"


class ScrollFocus(Widget, can_focus=True):
    """Mixed into a panel AFTER its container class (`class P(Vertical, ScrollFocus,
    can_focus=True)`): Textual takes default CSS from a widget's first base only, so the
    container's (layout, overflow) must come first. Scrolls the panel's first widget that
    overflows on that axis: the panel itself (Tokens, Layer) or its table (NumberGrid)."""

    BINDINGS = [
        Binding("up", "scroll_panel(0, -1)", "Scroll up", show=False, id="panel.up"),
        Binding("down", "scroll_panel(0, 1)", "Scroll down", show=False, id="panel.down"),
        Binding("left", "scroll_panel(-1, 0)", "Scroll left", show=False, id="panel.left"),
        Binding("right", "scroll_panel(1, 0)", "Scroll right", show=False, id="panel.right"),
        Binding("home", "scroll_panel_to(0)", "Top", show=False, id="panel.top"),
        Binding("end", "scroll_panel_to(1)", "Bottom", show=False, id="panel.bottom"),
        Binding("escape", "leave_panel", "Arrows step", key_display="esc", id="panel.leave"),
    ]

    def scroll_target(self, horizontal: bool) -> Widget | None:
        """The widget a scroll on that axis moves: the first (the panel, then its widgets in
        order) with room to scroll, else the first scrollable one."""
        widgets = [w for w in [self, *self.query("*")] if w.is_scrollable]
        overflowing = [w for w in widgets if (w.max_scroll_x if horizontal else w.max_scroll_y)]
        return (overflowing or widgets or [None])[0]

    def action_scroll_panel(self, dx: int, dy: int) -> None:
        target = self.scroll_target(horizontal=bool(dx))
        if target is None:
            return
        # Sideways, a table moves by one number column (as wide as its digits), text by 4.
        step_x = getattr(target, "cell", 4)
        target.scroll_to(x=max(0, target.scroll_x + dx * step_x), y=target.scroll_y + dy,
                         animate=False)

    def action_scroll_panel_to(self, end: int) -> None:
        target = self.scroll_target(horizontal=False)
        if target is not None:
            target.scroll_to(y=target.max_scroll_y if end else 0, animate=False)

    def action_leave_panel(self) -> None:
        app = self.app
        if getattr(app, "busy", False) or getattr(app, "playing", False):
            app.action_cancel()  # a run or play first: the status bar says "esc stops"
        else:
            self.screen.set_focus(None)
