"""Help: what each panel shows, every key, and the lesson's questions answered on screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Markdown

from tui_lab.tui.screens.dialog import Dialog

PANELS = """\
## The panels (tab / shift+tab switch them below 120 columns)
Below 120 columns the panels are tabs, and two rows above them always show the line being
stepped: its words and its padded ids, the current position highlighted (the next one
underlined before the first step). A long line is cut around that position with ….
- **Lines**: the text's lines. ▶ is the line cursor (j/k; *:* and a number goes straight to a
  line and steps it), ● the lines being stepped. *m* marks
  several lines to step as one batch, *enter* steps just the cursor line, *t* types your own
  sentence (unknown words are marked OOV: the tokenizer maps them to id 1, `<OOV>`).
- **Tokens**: each word with its id, then the padded ids (`pad_sequences`): `pad` columns are
  zeros added by padding, struck-out words were cut by truncation (✂ counts them); "+3 not
  shown" counts the words there was no room for here (the Lines panel has them all). *v* lists the whole
  word_index: every word's id and count, what num_words turns into `<OOV>`; type to search. The current position is
  highlighted, the next one underlined; *step* says which step reads each position.
- **Embed**: the vector x_t that the Embedding layer gives each position (one row of its table).
  Here its rows are random, from the lab's seed (*r* takes the next): the notebook's Embedding
  was random too, from its own seed, so its numbers differ from these. The pad id 0 has a
  random row like any other: while mask_padding is off a pad step reads it as x_t; with it on
  (*z*) no step reads it (Keras carries the state over a masked step).
- **States**: t = 0 is the initial state the first step reads (h_0, and c_0 for LSTM: zeros
  unless one is given), then h_t (and c_t) after every step so far; ▶ marks the current step. Blue is
  negative, red positive, stronger colour = larger |value|; the numbers carry their sign, so
  they read the same without colour. Below: one sparkline per unit (zero at half height).
- **Gates**: the current step's gates per unit and the update written out.
- **Layer**: what `keras.layers.<Cell>` returns with return_sequences / return_state on or off,
  with shapes (batch, timesteps, units), filled in as the steps reach the end, and the largest
  difference between stepping the cell and running the whole layer (it should be ~0).
- **Stateful lines**: *S* turns Keras' `stateful=True` on: the next line chosen (j/k, enter, a
  batch of the same size) starts from the final state of the one before, after its whole
  length, whatever step was shown. The status bar says where h_0 came from ("stateful: carried
  from line 3"); *Layer* names the calls of a `stateful=True` Keras layer (same weights) made
  line after line and compares them with the steps. *ctrl+r* (reset_states) takes the current
  line back to the initial state. A batch of another size starts again (a stateful layer has
  a fixed batch size), and so does any change of setting or weights.
- **Dropout**: with *training* on in the settings (and dropout or recurrent_dropout above 0)
  the cell is called with training=True: *D* shows the masks, ■ kept (scaled by 1/(1-p)), ·
  dropped, for x_t and for h_(t-1) (LSTM and GRU draw one per gate when recurrent_dropout is
  on). Keras draws one mask per sequence from the seed and uses it at every step; *r* reseeds
  (new weights, new masks). With training off no mask applies, whatever the rates.
- **Scrolling**: pgup / pgdn scroll the panel shown (the one with the bright border when
  wide), [ / ] its table sideways, the mouse wheel any panel. *F* (or a click on a panel)
  gives that panel the arrow keys: ↑ ↓ ← → scroll it, home / end go to its top / bottom, and
  the status bar says `arrows scroll <panel> (esc)`; *esc* or *F* gives the arrows back to
  stepping. space, l, h, j, k, g and G step and move lines either way.
- **The debugger**: *B* lists breakpoints, conditions such as `forget[2] < 0.1` (the cell is
  forgetting), `h[0] > 0.5`, `token == pretender`, `dh > 0.3` (with a model open also
  `next == love`, `p(love) > 0.5`); *u* runs until one holds and
  says which. *E* sets a unit of h or c at the current step (✎ beside the value in *States*
  and *Gates*, and in the status bar), or clamps a gate of a unit (`forget[1] = 0`) in every
  following step (✎ beside the gate's value in *Gates*); the steps after are computed by the
  same Keras cell call. *Layer* runs the Keras layer unedited: at the end it shows that
  layer's final values and, below them, the edited run's. *W* shows how far
  the edit travels (edited minus unedited run, per step), *U* undoes it, *J* jumps to any step.
  With a model open, edits need its last recurrent layer, one direction; *W* then also gives
  the next-word change per step (TV = ½Σ|p−q|, max|Δp|, the top word unedited → edited: the
  model's head on the edited vs unedited output). The model bar's next words stay unedited.
- **Conv1D** (*K*): a `keras.layers.Conv1D` stepped over the same embeddings one output
  position at a time: its window in [brackets] on the tokens (∅: the zeros 'same' and 'causal'
  pad with), each filter's output = activation(Σ x @ kernel slice + bias), checked against the
  Keras layer, and beside each output the recurrent h after the step that read the window's
  last position: a fixed window of kernel_size tokens against a state carried from the start.
  Inside: space/← step, +/- kernel_size, d/D dilation_rate, f/F filters, p padding,
  a activation, y the batch row.
- **Side by side** (*C*): SimpleRNN, LSTM and GRU read the same x_t (the lab's line, the same
  Embedding rows), each stepped by its own Keras cell from zero states; their h (and c) in
  aligned columns A, B, C at every step. Space / → steps all, ← back, home / end, [ ] scroll
  sideways (at 80 columns not all fit: the line under the table names the columns past each
  edge), *>* *<* digits, *y* batch row; *2* compares the lab's cell with two seeds, *3*
  with two unit counts, *1* the three cells. Each column names the Keras layer it equals and
  its check (`< 1e-5 ✓`). The lab itself does not move; esc closes.
- **Reach** (*R*): how far back the current state reaches. One bar per input read so far:
  ‖∂h_t/∂x_k‖_F, the Frobenius norm of the Jacobian of h_t with respect to x_k (how much h_t
  moves when x_k moves), by `tf.GradientTape` through the same cell calls. The bars are on a
  log scale, its decades labelled above them (*s*: linear, scaled to the largest); *c*
  switches the cell; space / ← step and the bars follow; *y* picks the batch row. A skipped
  pad step (mask_padding) has no influence (0); a state edit cuts the dependence of the
  edited units on earlier inputs. Fading bars = a short memory: with unit-scale inputs (raw
  vectors) a SimpleRNN's reach fades far faster than an LSTM's; with the lab's small random
  embeddings the untrained SimpleRNN barely fades and the LSTM fades at the pace of its
  forget gate. That is the initialization, not memory: *M* shows trained models.
- **Why an LSTM remembers** (*M*): a memory task's three trained models (SimpleRNN, LSTM,
  GRU, trained alike) stepped together on one held-out line. For each: its reach back to
  every word (one column per step, heights on one log scale shared by the three), its answer
  so far (its own Dense softmax on the state after this step) ✓ or ✗, the gate and state of
  the units that carry the answer, |h|, and *kept*: how often its state names the answer 0,
  1, 3 and 10 words after the word to remember (measured on held-out lines). ↓ ↑ pick the
  line, *t* the other task, space / ← / home / end step all three.
"""

ANSWERS = """\
## The lesson's questions, on screen
- **What are h and c?** h is the hidden state: the cell's output at each step, passed to the
  next step as "short-term memory". c (LSTM only) is the internal cell state, the "long-term
  memory": never output directly, it is what h is read from (h_t = o*tanh(c_t)). Watch both
  columns in *States*, and in *Gates* see c_t = kept + learned.
- **LSTM gates, in the lesson's words**: forget gate = f (kept = f*c_{t-1}); learn gate = i*g
  (learned); remember gate = the new c_t = kept + learned; use gate = o*tanh(c_t) = h_t.
- **Why does SimpleRNN's (and GRU's) final state equal its output?** These cells have one state
  vector and it *is* the output: the cell returns (h, [h]). So `return_state=True` gives the last
  output again. An LSTM returns (h, [h, c]): its h equals the output too, c is the extra one.
  Step to the end (*End*) and compare the rows in *Layer*.
- **What do units mean for shapes?** units is the size of h (and c): the last dimension of every
  output, (batch, units) for the final output/state, (batch, timesteps, units) with
  return_sequences=True. Press + / - and watch the shapes in *Layer* change.
- **What does go_backwards do?** The layer reads the last position first (press *b*: the *step*
  row in *Tokens* runs right to left), and the returned sequence is in that processing order,
  i.e. reversed relative to the input: sequence[:, 0] is the state after the *last* word.
- **What does the Embedding do, and is it trained?** It is a lookup table: id → a vector of
  output_dim numbers (*Embed*). It starts random (here from the seed) and *is* trained with the
  rest of the model, so that words used alike end up with similar vectors.
- **Why are states not passed between lines of a batch?** Each row of a batch is an independent
  sequence with its own h (and c), starting from zeros: mark two lines (*m*) and see one block of
  columns per row. *y* (and *Y*) picks the row that *Embed*, *Gates* and *Layer* show, like
  `output[1]` picks the second row of the layer's output; the status bar names it. Nor between
  batches, unless the layer is stateful: press *S*, then choose the next line, and its h_0 is
  the last line's final state.
- **Why does an LSTM remember longer?** Not by itself, and not always: press *M*. Three
  models trained alike (16 units, the same lines and epochs; only the cell differs), measured
  on 500 held-out lines. Remembering the word after 'mark' among 19 others: LSTM 100%, GRU
  100%, SimpleRNN 11.6% (chance 12.5%). Every word rewrites a SimpleRNN's h; a gate lets a
  cell write at one moment and keep it: *M* shows the LSTM's forget gate at 0 on 'mark', its
  input gate at 1 on the word, then forget 1 and input near 0 while the other words pass.
  Remembering the first of 40 words with only fillers after it: SimpleRNN 100%, GRU 100%,
  LSTM 23.8% (chance 25%): one word through fillers needs no gate, and this LSTM did not
  learn to hold it (with other seeds the SimpleRNN failed too: the README has the table).
  What a cell can remember is not what it learns to: its gates must be trained to open
  and close. On random weights (*R*) the picture is the initialization's, not memory.
- **How many digits?** Three by default, so that the panels fit 80 columns. *>* and *<* (or
  digits in the settings, *s*) show 3 to 8, to compare with the notebook's float32 prints
  (8 significant digits). Only the view changes: the steps, the trace and the Python API keep
  full precision.
"""

TRAINED = """\
## Trained models
- **Open one**: *o* and a `.keras` path (or `tui-lab --model FILE.keras`). The lab then steps
  one recurrent layer of the model with the model's own weights. Your text goes through the
  model's word_index (*Tokens*: words, ids, padding 'pre' to the model's input length) and the
  model's layers below that layer (*Embed*: what the layer reads; for the first layer, the
  trained Embedding's rows). *L* picks the layer; for a Bidirectional layer *f* shows its
  forward or backward cell; *x* goes back to random weights.
- **The model bar** (under the panels) checks the lab against the model: the stepped layer
  against the layer's own output inside the model, and the model's head (Dense softmax)
  applied to the stepped output against `model(ids)`. Both should be ~1e-7. A Bidirectional
  layer's merged output (concat, sum ...) of both cells is shown there too.
- **Generation** (*w* settings, *n* next word, *N* several; esc stops): at each step the
  model reads the text so far and gives every word of its vocabulary a probability; they sum
  to 1. p=0.96 means: after this text, the model puts 96% of its belief on that word. It is
  what the model learned from its few lines, not a fact: on text it memorised it is sure,
  elsewhere it guesses. Greedy takes the most probable word (and often loops); sampling draws
  among the top-k with chances p**(1/T) ("draw"), so a temperature below 1 sharpens and above
  1 flattens; the sampler seed makes a draw repeatable. The panels show the states the model
  read to give those probabilities. With no model open, *w* uses the shipped lyrics model.
- **Is the Embedding trained?** Yes: its table starts random and is learned with the rest of
  the model, so words used alike get similar vectors. Compare *Embed* with a model open and
  with the lab's random weights (*x*).
- **Train** (*T*): the lesson's next-word model on the open text (every line's n-gram
  prefixes → the next word). Watch the loss fall; esc cancels (nothing is written); when it
  ends the model opens here.
"""


def keys_markdown() -> str:
    from tui_lab.tui.screens.lab import LAB_BINDINGS

    rows: dict[str, tuple[list[str], str]] = {}
    for binding in LAB_BINDINGS:
        keys, text = rows.setdefault(binding.action, ([], binding.description))
        keys.append(binding.key_display or binding.key)
        if binding.tooltip:
            rows[binding.action] = (keys, f"{binding.description}: {binding.tooltip}")
    lines = ["## Keys (also in the command palette: ctrl+p)", "", "| keys | action |", "|---|---|"]
    # A | in a cell (||dh/dx||) would end it: escaped, as GitHub-flavoured tables read it.
    lines += [f"| {' '.join(keys)} | {text.replace('|', chr(92) + '|')} |"
              for keys, text in rows.values()]
    return "\n".join(lines) + "\n"


class HelpScreen(Dialog[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close"),
                Binding("j,down", "scroll(1)", "Down", show=False, id="help.down"),
                Binding("k,up", "scroll(-1)", "Up", show=False, id="help.up"),
                # The keys table is at the end of a long page: one key takes you there.
                Binding("K", "keys", "Keys table", id="help.keys"),
                Binding("g,home", "top", "Top", show=False, id="help.top")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown("# tui-lab help\n\n" + PANELS + "\n" + ANSWERS + "\n" + TRAINED
                           + "\n" + keys_markdown())
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def action_scroll(self, delta: int) -> None:
        help_view = self.query_one("#help")
        help_view.scroll_to(y=help_view.scroll_y + delta, animate=False)

    def action_keys(self) -> None:
        markdown = self.query_one(Markdown)
        for _, title, block_id in markdown.table_of_contents:
            if title.startswith("Keys"):
                self.query_one("#help").scroll_to_widget(markdown.query_one(f"#{block_id}"),
                                                          top=True, animate=False)
                return

    def action_top(self) -> None:
        self.query_one("#help").scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
