"""The trained model under the panels: its layer and direction, the checks against the model,
the merged Bidirectional output, and generation's top-k as a bar chart. Renders a
model_lab.ModelView only (nothing is computed here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from tui_lab.config import CELL_TITLES
from tui_lab.tui.view import DEFAULT_DIGITS
from tui_lab.tui.widgets.style import agreement, number

if TYPE_CHECKING:  # (a type only: the bar needs nothing of trained at run time)
    from tui_lab.trained.lab import ModelView

EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of fraction * width cells, in eighths."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (EIGHTHS[part] if part else "")).ljust(width)


def _values(vector, limit: int, digits: int) -> str:
    shown = " ".join(number(float(v), digits=digits) for v in vector[:limit])
    return shown + (f" …+{len(vector) - limit}" if len(vector) > limit else "")


def short_description(layer) -> str:
    """describe() in fewer words, for a narrow bar."""
    kind = CELL_TITLES[layer.cell]
    if layer.bidirectional:
        kind = f"Bidirectional({kind}) {layer.merge_mode}"
    return (f"{layer.name}: {kind}({layer.units}), in {layer.input_dim}, "
            f"{'every step' if layer.return_sequences else 'last step'}")


def fitting(candidates: list[str], room: int, fallback: str | None = None) -> str:
    """The first candidate (longest first) that fits room cells; else fallback (the last
    candidate when None, cut by the bar's ellipsis)."""
    for candidate in candidates:
        if cell_len(candidate) <= room:
            return candidate
    return candidates[-1] if fallback is None else fallback


SPARKS = "▁▂▃▄▅▆▇█"


def trend(series, room: int) -> str:
    """A value in 0..1 at each step so far, as one character each (the latest at the right,
    the earliest giving way when there is no room)."""
    values = list(series)[-max(0, room):]
    return "".join(SPARKS[min(len(SPARKS) - 1, int(max(0.0, min(1.0, v)) * len(SPARKS)))]
                   for v in values)


def says(text: Text, view, room: int, digits: int) -> None:
    """What the model says: its head on the state after this step (one direction's last
    recurrent layer), its trend over the steps so far, padding stepped after the text; or,
    for a Bidirectional layer, the final reading only, and why."""
    reading = view.reading
    decimals = digits
    text.append("says ", "bold")
    if reading.refusal is not None:
        final = " · ".join(f"{name} {value:.{decimals}f}" for name, value in view.final)
        text.append(f"at the end {final} " if final else "")
        text.append("(no per-step reading: the backward direction has read the whole text)"
                    if view.layer.bidirectional else f"({reading.refusal})", "italic")
        text.append("\n")
        return
    if not reading.top:
        text.append("after a step: " + reading.kind.note, "italic")
        text.append("\n")
        return
    now = " · ".join(f"{name} {value:.{decimals}f}" for name, value in reading.top)
    text.append(f"now {now} ")
    line = text.plain.rsplit("\n", 1)[-1]
    text.append(trend(reading.series, min(40, room - cell_len(line) - 2)), "bold")
    if view.after_text is not None:
        word, steps, at_word, after = view.after_text
        text.append(f" · '{word}' {at_word:.{decimals}f} → {after:.{decimals}f} after {steps} "
                    f"pad step{'s' if steps != 1 else ''}", "bold")
    elif reading.kind.kind == "logit":
        text.append(" (sigmoid of its logit)", "dim")
    text.append("\n")


class ModelBar(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.view = None
        self.digits = DEFAULT_DIGITS  # decimals of the numbers and probabilities (the app's view)

    def show(self, view: ModelView | None, digits: int | None = None) -> None:
        self.view = view
        self.digits = self.digits if digits is None else digits
        self.display = view is not None
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        view = self.view
        if view is None:
            return
        width = max(40, (self.size.width or 80))
        wide = width >= 120  # below, everything is packed so the panels keep their rows
        room = width - 2  # (the padding)
        text = Text(no_wrap=True, overflow="ellipsis")
        layer = view.layer
        text.append(f" {view.name} ", "bold reverse")
        position = f"{view.layers.index(layer) + 1}/{len(view.layers)}"
        if wide or view.generation is None:
            # The whole description when it fits, else shorter wording (L lists it whole).
            short = short_description(layer)
            text.append(fitting([f" layer {position} {layer.describe()}",
                                 f" layer {position} {short}", f" {short}",
                                 f" {layer.name} ({position})"], room - text.cell_len))
        else:
            text.append(f" {layer.name} ({position})")
        if layer.bidirectional:
            text.append(f" · {view.direction} cell", "bold")
        if wide or view.generation is None:
            text.append("\n")
        text.append(" vs model: " if view.generation is not None and not wide else "vs model: ",
                    "bold")
        # Narrow: the short names, so that both checks fit in 80 columns (the bar does not
        # wrap); help and the wide bar say what they compare.
        text.append("layer output max|err| " if wide else "layer ")
        text.append(agreement(view.max_abs_error))
        text.append(" · head(stepped) vs model(ids) " if wide else " · head ")
        text.append(agreement(view.head_error))
        if view.generation is None and view.next_words:
            # One decimal fewer than the panels; as many of the three likeliest words as fit
            # (the line is never cut in the middle of a word). model(ids) is the unedited
            # run: W compares the edited run's next words.
            label = " · unedited next: " if view.edited else " · next: "
            decimals = self.digits - 1
            words = [f"{c.word} {c.probability:.{decimals}f}" for c in view.next_words[:3]]
            line = text.plain.rsplit("\n", 1)[-1]
            shown = fitting([" ".join(words[:n]) for n in range(len(words), 0, -1)],
                            room - cell_len(line) - len(label), fallback="")
            if shown:
                text.append(label, "bold")
                text.append(shown)
        if view.edited and view.generation is not None:
            text.append(" · model(ids) unedited", "bold")  # (generating starts a new run)
        text.append("\n")
        if view.generation is None and view.reading is not None:
            says(text, view, room, self.digits)
        if layer.bidirectional and view.output is not None:
            text.append(f"merged ({layer.merge_mode}) output, row 1, last position: ", "bold")
            text.append(_values(view.output, max(2, (width - 46) // (self.digits + 4)),
                                self.digits) + "\n")
        if view.generation is not None:
            self._generation(text, view.generation, width, wide, self.digits)
        text.rstrip()
        self.update(text)

    @staticmethod
    def _generation(text: Text, generation, width: int, wide: bool, digits: int) -> None:
        text.append("generate ", "bold reverse")
        text.append(f" {generation.settings.describe()} ")
        if wide:
            text.append(f"· n next word · N {generation.settings.words} words · w settings\n")
        text.append("text: " if wide else "· ", "bold")
        # The newest words are what matters: when the text is longer than the line, its
        # start gives way (…), never the word just generated.
        line = text.plain.rsplit("\n", 1)[-1]
        room = width - 2 - cell_len(line)
        words = [(word, "") for word in generation.seed.split()]
        words += [(word, "bold underline") for word in generation.words]
        first = 0
        while first < len(words) - 1 and (
                cell_len(" ".join(w for w, _ in words[first:])) + (1 if first else 0) > room):
            first += 1
        if first:
            text.append("…")
        for n, (word, style) in enumerate(words[first:]):
            text.append(" " if n else "")
            text.append(word, style)
        text.append("\n")
        if wide:
            if generation.chosen is None:
                text.append(f"next word after “{generation.context}” (n chooses):\n", "italic")
            else:
                text.append(f"word {len(generation.words)}: after “{generation.context}” the "
                            f"model gave:\n", "italic")
        words = max([len(c.word) for c in generation.top] + [4])
        sampling = generation.weights is not None
        columns = 1 if wide or len(generation.top) <= 3 else 2
        label = 3 + words + digits + 6 + (digits + 8 if sampling else 0)
        size = max(6, min(40, (width - 4) // columns - label - 1))
        cells = []
        for k, candidate in enumerate(generation.top):
            chosen = generation.chosen is not None and candidate.id == generation.chosen.id
            style = "bold" if chosen else ""
            cell = Text()
            cell.append(" ▶ " if chosen else "   ", style)
            cell.append(f"{candidate.word:<{words}} ", style)
            cell.append(f"p={candidate.probability:.{digits}f} ", style)
            if sampling:
                cell.append(f"draw {generation.weights[k]:.{digits}f} ", style)
            cell.append(bar(candidate.probability, size),  # the whole bar is p = 1
                        "green" if chosen else "")
            cells.append(cell)
        rows = (len(cells) + columns - 1) // columns
        for r in range(rows):
            for c in range(columns):
                k = c * rows + r
                if k < len(cells):
                    text.append_text(cells[k])
                    text.append(" ")
            text.append("\n")
        if generation.at_limit:
            text.append("(the most words one run makes: press w to start again)\n", "italic")
