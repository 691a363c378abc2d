"""The lab screen's keys: shown in its Footer (those that fit at 80 columns), in help and in the
command palette (ctrl+p)."""

from __future__ import annotations

from textual.binding import Binding


# The lab screen's own (view) actions; every other action is the app's.
SCREEN_ACTIONS = ("next_panel", "previous_panel", "scroll", "scroll_units", "focus_panel")


def B(key, action, description, id, show=False, key_display=None, tooltip=""):
    screen = action.split("(")[0] in SCREEN_ACTIONS
    return Binding(key, action if screen else f"app.{action}", description, show=show,
                   key_display=key_display, id=id, tooltip=tooltip)


# Shown in the Footer: the ones that fit at 80 columns. All are in help and ctrl+p.
LAB_BINDINGS = [
    B("space", "step", "Step", "step", True, "␣", "one timestep forward"),
    B("right", "step", "Step", "step.right"),
    B("l", "step", "Step", "step.vim"),
    B("left", "back", "Back", "back", True, "←", "one timestep back"),
    B("h", "back", "Back", "back.vim"),
    B("home", "start", "Start", "start", False, None, "jump to before the first step"),
    B("g", "start", "Start", "start.vim"),
    B("end", "end", "End", "end", True, None, "run to the end of the sequence"),
    B("G", "end", "End", "end.vim"),
    # Not in the Footer: with "s Settings" the keys there would not fit 60 columns (help,
    # ctrl+p and the README list p).
    B("p", "play", "Play", "play", False, None, "play / pause auto-stepping"),
    B("escape", "cancel", "Stop", "stop", False, "esc", "stop running / playing"),
    B("down", "next_line", "Next line", "line.next", False, "↓"),
    B("j", "next_line", "Next line", "line.next.vim"),
    B("up", "previous_line", "Prev line", "line.previous", False, "↑"),
    B("k", "previous_line", "Prev line", "line.previous.vim"),
    B("enter", "choose_line", "Choose line", "line.choose"),
    B("colon", "go_to_line", "Go to line", "line.go_to", False, ":",
      "type a line's number and step it"),
    B("m", "mark_line", "Mark line", "line.mark", False, None, "add/remove the line from the batch"),
    # View state (view_actions.py): no Lab call, the step and the weights stay.
    B("y", "batch_row(1)", "Next batch row", "batch_row.next", False, None,
      "the row Embed, Gates and Layer show"),
    B("Y", "batch_row(-1)", "Prev batch row", "batch_row.previous"),
    B("greater_than_sign", "digits(1)", "More digits", "digits.more", False, ">",
      "decimals of every number, up to 8"),
    B("less_than_sign", "digits(-1)", "Fewer digits", "digits.fewer", False, "<",
      "decimals of every number, down to 3"),
    B("c", "cycle_cell", "Cell", "cell", True, None, "SimpleRNN → LSTM → GRU"),
    B("plus", "units(1)", "Units+", "units.up", False, "+"),
    B("equals_sign", "units(1)", "Units+", "units.up.alt", False, "="),
    B("minus", "units(-1)", "Units-", "units.down", False, "-"),
    B("b", "toggle('go_backwards')", "Backwards", "go_backwards"),
    B("z", "toggle('mask_padding')", "Mask", "mask_padding", False, None, "mask_zero: skip padding"),
    B("r", "reseed", "Reseed", "reseed"),
    B("S", "toggle_stateful", "Stateful", "stateful", False, None,
      "stateful=True: the next line starts from this line's final state"),
    B("D", "dropout_masks", "Dropout masks", "dropout", False, None,
      "which inputs and recurrent units dropout drops at each step (training on)"),
    B("ctrl+r", "reset_states", "Reset states", "stateful.reset", False, None,
      "zero the carried state (reset_states): back to the initial state"),
    B("t", "type_sentence", "Type", "type"),
    B("o", "open_file", "Open", "open", False, None,
      "a text, vectors (.npy/.json), a model (.keras), or lyrics: the lesson's text"),
    # Trained models (model_actions.py): hidden in the Footer, listed in help and ctrl+p.
    B("L", "pick_layer", "Layer", "model.layer", False, None,
      "trained model: which recurrent layer (and direction) to step"),
    B("f", "flip_direction", "Direction", "model.direction", False, None,
      "Bidirectional: show the forward / backward cell"),
    B("w", "generate", "Generate", "generate", False, None,
      "seed text, top-k, greedy or sampling (shipped model if none is open)"),
    B("n", "generate_next", "Next word", "generate.next", False, None, "generate one more word"),
    B("N", "generate_many", "N words", "generate.many", False, None,
      "generate N more words (esc stops)"),
    B("T", "train", "Train", "train", False, None, "train a next-word model on the open text"),
    B("x", "close_model", "Close model", "model.close", False, None,
      "back to the lesson's random weights"),
    B("a", "agreement", "Max |error|", "agreement", False, None,
      "the exact max |error| of the steps vs the Keras layer and of the numpy equations "
      "vs the cell (Layer shows them at a fixed resolution)"),
    B("v", "vocabulary", "Vocabulary", "vocabulary", False, None,
      "the word_index: every word's id and count, searchable"),
    # The debugger (debug_actions.py): hidden in the Footer, listed in help and ctrl+p.
    B("B", "breakpoints", "Breakpoints", "debug.breakpoints", False, None,
      "list, add, turn on/off and remove run-until conditions"),
    B("u", "run_until", "Run until", "debug.run", False, None,
      "step on until a breakpoint holds (esc stops)"),
    B("E", "edit_state", "Edit state", "debug.edit", False, None,
      "set a unit of h or c here, or clamp a gate (forget[1] = 0) for the steps after"),
    B("U", "undo_edit", "Undo edit", "debug.undo", False, None, "take back the last state edit"),
    B("W", "what_if", "What if", "debug.what_if", False, None,
      "the edited run minus the unedited one, per step"),
    B("J", "jump", "Jump to step", "debug.jump", False, None,
      "choose a step near this one from a list, or type any step number"),
    B("K", "conv1d", "Conv1D", "conv1d", False, None,
      "step a Conv1D window over the same embeddings, beside the recurrent state"),
    # Side by side (compare_actions.py): its own view, whose keys step every compared cell.
    B("C", "open_compare", "Compare cells", "compare", False, None,
      "SimpleRNN, LSTM and GRU (or two seeds, two sizes) side by side on the same x_t"),
    B("R", "reach", "Reach", "reach", False, None,
      "how far back h_t reaches: ||dh_t/dx_k|| for every input read so far"),
    B("M", "why", "Why an LSTM remembers", "why", False, None,
      "trained SimpleRNN, LSTM and GRU stepped together on a memory task: what each "
      "remembers, measured"),
    B("e", "export", "Export", "export"),
    B("s", "settings", "Settings", "settings", True, None,
      "settings: every option of the lab (cell, units, padding, masking, dropout ...), digits"),
    B("question_mark", "help", "Help", "help", True, "?"),
    B("f1", "help", "Help", "help.f1"),
    B("tab", "next_panel", "Next panel", "panel.next"),
    B("shift+tab", "previous_panel", "Prev panel", "panel.previous"),
    B("F", "focus_panel", "Focus panel", "panel.focus", False, None,
      "the arrows scroll the panel shown (a click does too); esc or F: they step again"),
    B("pagedown", "scroll(1)", "Scroll down", "scroll.down"),
    B("pageup", "scroll(-1)", "Scroll up", "scroll.up"),
    B("right_square_bracket", "scroll_units(1)", "Scroll right", "scroll.right", False, "]"),
    B("left_square_bracket", "scroll_units(-1)", "Scroll left", "scroll.left", False, "["),
    B("d", "toggle_theme", "Dark / light", "theme", False, None,
      "switch between the dark and the light theme (ctrl+p Theme: every theme)"),
    B("q", "quit", "Quit", "quit", True),
]
