"""The whole trace of a run: every number the lab shows, as JSON or .npz.

JSON layout (arrays keep the batch axis even when the batch is 1):
    config        every setting, plus the input's source
    word_index    (text input) the fitted tokenizer's word -> id
    tokens, ids   (text input) one list per batch row
    padded        (B, T) ids after pad_sequences; pad_mask (B, T) true at padding
    weights       embedding (text input), kernel, recurrent_kernel, bias (absent without bias)
    initial_state h (B, units) and c for LSTM, and origin: "zeros", "given" or
                  "carried from line 3" (stateful: the previous line's final state)
    stateful      (with stateful on) chain: what Keras' stateful layer read, in order
    dropout_masks (training with dropout) input (gates, B, features) and recurrent
                  (gates, B, units): 0 dropped, 1/(1-p) kept, the same at every step; one
                  gate row when one mask serves every gate; null for a rate of 0
    steps         in processing order: {t, position, x, h, c (LSTM), gates {name: (B, units)}}
                  plus output and masked when mask_padding is on (gates are null where masked)
    layer         sequence (B, T, units) and states, as the Keras layer returns them
    max_abs_error stepped states vs the Keras layer; gate_max_abs_error the numpy
                  equations vs the Keras cell at every step (either engine, see stepper.py)
    edits         (with state edits) each {kind: "set", step, state, unit, value, row} or,
                  for a gate clamp, {kind: "clamp", step, gate, unit, value, row}, in order
    until         (with --until) {conditions, fired (the condition, or null), step, row; values:
                  when none held, what their values did}: the
                  steps then end at that step, included
    (with --sensitivity) each step k also has `sensitivity`: one list per batch row, entry j
                  (j = 0..k, processing order: steps[j]'s input) = ||dh/dx_j||_F of that
                  step's h (core/sensitivity.py)
The .npz holds the same arrays stacked over steps (steps_h is (T, B, units), ...), with the
non-array parts (config, word_index, tokens, ids) as JSON strings; steps_sensitivity is
(T, B, T), zero where j > k (a state cannot depend on a later input).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from tui_lab.core import checks, files, resources, sensitivity as reach
from tui_lab.core.lab import Lab, Snapshot
from tui_lab.errors import LabError

FORMATS = ("json", "npz")
MAX_TRACE_BYTES = 8 << 30
TRACE_FILE = "trace file"  # what the messages call it: "/dev/null is a device, not a trace file"


def _list(array):
    """A nested list with NaN as None (JSON has no NaN)."""
    array = np.asarray(array)
    if array.dtype.kind == "f" and np.isnan(array).any():
        return np.where(np.isnan(array), None, array.astype(object)).tolist()
    return array.tolist()


def full_snapshot(lab: Lab, progress=None) -> Snapshot:
    """The snapshot at the end of the sequence, leaving the lab's cursor where it was
    (progress(done, total) while the steps are computed, in chunks)."""
    cursor = lab.t
    lab.run_to_end(progress)
    snapshot = lab.snapshot()
    lab.seek(cursor)
    return snapshot


def _source(snapshot: Snapshot) -> dict:
    source = {"kind": snapshot.source_kind, "name": snapshot.source_name,
              "weights": snapshot.weights_source,
              "initial_state": snapshot.initial_state_origin}
    if snapshot.sentence is not None:
        source["sentence"] = snapshot.sentence
    elif snapshot.source_kind == "text":
        source["lines"] = list(snapshot.selection)
    return source


def stopped_snapshot(lab: Lab, conditions: list[str]) -> tuple[Snapshot, dict]:
    """From the first step, run until one of conditions holds (or to the end): the snapshot
    there and the trace's `until` record. The lab stays where it stopped."""
    lab.reset()
    hit = lab.run_until(conditions)
    until = {"conditions": list(conditions), "fired": hit.condition if hit else None,
             "step": lab.t, "row": hit.row if hit else None}
    if hit is None:
        until["values"] = lab.describe_miss(conditions, 0)
    return lab.snapshot(), until


def with_sensitivity(lab: Lab, snapshot: Snapshot, progress=None) -> np.ndarray:
    """(t, B, t) ||dh_(k+1)/dx_j||_F for the snapshot's steps (sensitivity.every_step)."""
    return reach.every_step(lab, snapshot.t, progress)


def trace_dict(snapshot: Snapshot, until: dict | None = None,
               sensitivity: np.ndarray | None = None) -> dict:
    """The trace as plain Python data (what the JSON holds): every step, or with `until`
    (stopped_snapshot) the steps up to where running stopped; with `sensitivity`
    (with_sensitivity) each step's norms."""
    if not snapshot.at_end and until is None:
        raise ValueError("a trace needs the snapshot at the end of the sequence")
    cell_state = snapshot.c is not None
    trace = {"config": {**snapshot.config.as_dict(), "source": _source(snapshot)}}
    rows = snapshot.batch.rows
    if rows is not None:
        trace["word_index"] = dict(snapshot.word_index)
        trace["tokens"] = [list(row.tokens) for row in rows]
        trace["ids"] = [list(row.ids) for row in rows]
        trace["padded"] = [row.padded.tolist() for row in rows]
    trace["pad_mask"] = snapshot.batch.pad_mask.tolist()
    weights = snapshot.weights
    trace["weights"] = {}
    if weights.embedding is not None:
        trace["weights"]["embedding"] = weights.embedding.tolist()
    trace["weights"]["kernel"] = weights.kernel.tolist()
    trace["weights"]["recurrent_kernel"] = weights.recurrent_kernel.tolist()
    if weights.bias is not None:
        trace["weights"]["bias"] = weights.bias.tolist()
    trace["initial_state"] = {"h": snapshot.h0.tolist()}
    if cell_state:
        trace["initial_state"]["c"] = snapshot.c0.tolist()
    trace["initial_state"]["origin"] = snapshot.initial_state_origin
    if snapshot.config.stateful:  # what Keras' stateful layer read, in order, this run last
        trace["stateful"] = {"chain": list(snapshot.stateful_calls)}
    masks = snapshot.dropout_masks
    if masks is not None:  # training with dropout: the masks applied at every step
        trace["dropout_masks"] = {
            "gates": list(masks.gates),
            "input": None if masks.input is None else masks.input.tolist(),
            "recurrent": None if masks.recurrent is None else masks.recurrent.tolist()}
    masking = snapshot.config.mask_padding
    steps = []
    for k, position in enumerate(snapshot.order[:snapshot.t].tolist()):
        step = {"t": k, "position": position, "x": snapshot.batch.x[:, position].tolist(),
                "h": snapshot.h[k].tolist()}
        if cell_state:
            step["c"] = snapshot.c[k].tolist()
        step["gates"] = {name: _list(g[k]) for name, g in snapshot.gates.items()}
        if masking:
            step["output"] = snapshot.output[k].tolist()
            step["masked"] = snapshot.masked[k].tolist()
        if sensitivity is not None:
            step["sensitivity"] = sensitivity[k, :, :k + 1].tolist()
        steps.append(step)
    trace["steps"] = steps
    trace["layer"] = {"sequence": snapshot.layer_sequence.tolist(),
                      "states": [s.tolist() for s in snapshot.layer_states]}
    trace["max_abs_error"] = snapshot.max_abs_error
    trace["gate_max_abs_error"] = snapshot.gate_max_abs_error
    if snapshot.edits:
        trace["edits"] = [edit.as_dict() for edit in snapshot.edits]
    if until is not None:
        trace["until"] = until
    return trace


def trace_arrays(snapshot: Snapshot, until: dict | None = None,
                 sensitivity: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The trace as flat arrays (what the .npz holds)."""
    trace = trace_dict(snapshot, until)
    arrays = {"config": np.array(json.dumps(trace["config"]))}
    for key in ("word_index", "tokens", "ids", "edits", "until", "stateful"):
        if key in trace:
            arrays[key] = np.array(json.dumps(trace[key]))
    if snapshot.batch.rows is not None:
        arrays["padded"] = np.stack([row.padded for row in snapshot.batch.rows])
    arrays["pad_mask"] = snapshot.batch.pad_mask
    weights = snapshot.weights
    for name in ("embedding", "kernel", "recurrent_kernel", "bias"):
        if name in trace["weights"]:
            arrays[f"weights_{name}"] = getattr(weights, name)
    arrays["initial_state_h"] = snapshot.h0
    if snapshot.c0 is not None:
        arrays["initial_state_c"] = snapshot.c0
    order = snapshot.order[:snapshot.t]
    arrays["steps_t"] = np.arange(snapshot.t)
    arrays["steps_position"] = order
    arrays["steps_x"] = np.swapaxes(snapshot.batch.x[:, order], 0, 1)
    arrays["steps_h"] = snapshot.h
    if snapshot.c is not None:
        arrays["steps_c"] = snapshot.c
    for name, values in snapshot.gates.items():
        arrays[f"steps_gates_{name}"] = values
    if snapshot.config.mask_padding:
        arrays["steps_output"] = snapshot.output
        arrays["steps_masked"] = snapshot.masked
    if sensitivity is not None:
        arrays["steps_sensitivity"] = sensitivity
    arrays["layer_sequence"] = snapshot.layer_sequence
    for i, state in enumerate(snapshot.layer_states):
        arrays[f"layer_states_{i}"] = state
    masks = snapshot.dropout_masks
    for name in ("input", "recurrent"):
        if masks is not None and getattr(masks, name) is not None:
            arrays[f"dropout_masks_{name}"] = getattr(masks, name)
    arrays["max_abs_error"] = np.array(snapshot.max_abs_error)
    arrays["gate_max_abs_error"] = np.array(snapshot.gate_max_abs_error)
    return arrays


def format_for(path: str | Path | None, fmt: str | None) -> str:
    """The format asked for, or the one the file name implies (JSON by default). A file
    named .json or .npz gets that format only: asking for the other one is refused, since
    the file would not be what its name says."""
    named = Path(str(path)).suffix.lower().lstrip(".") if path is not None else ""
    if fmt is None:
        fmt = "npz" if named == "npz" else "json"
    if fmt not in FORMATS:
        raise LabError(f"unknown trace format {fmt!r}; choose json or npz")
    if named in FORMATS and named != fmt:
        raise LabError(f"{Path(str(path)).name} names a .{named} file, but the format asked for "
                       f"is {fmt}: name the file .{fmt} or ask for {named}")
    return fmt


def trace_json(snapshot: Snapshot, until: dict | None = None,
               sensitivity: np.ndarray | None = None) -> str:
    return json.dumps(trace_dict(snapshot, until, sensitivity), allow_nan=False)


def npz_bytes(snapshot: Snapshot, until: dict | None = None,
              sensitivity: np.ndarray | None = None) -> bytes:
    """The trace's arrays as the bytes of an .npz file."""
    buffer = io.BytesIO()
    np.savez(buffer, **trace_arrays(snapshot, until, sensitivity))
    return buffer.getvalue()


def trace_bytes(lab: Lab, fmt: str, until: list[str] | None = None,
                sensitivity: bool = False, progress=None) -> tuple[bytes, dict | None]:
    """The whole trace (to the end, or with `until` to where a condition held) as the bytes
    of its format, and the `until` record (None without conditions). progress(what, done,
    total), if given, hears how the long parts go: "stepping", "sensitivity"."""
    def part(what):
        return None if progress is None else (lambda done, total: progress(what, done, total))

    snapshot, stop = stopped_snapshot(lab, until) if until else \
        (full_snapshot(lab, part("stepping")), None)
    table = with_sensitivity(lab, snapshot, part("sensitivity")) if sensitivity else None
    if fmt == "json":
        return trace_json(snapshot, stop, table).encode(), stop
    return npz_bytes(snapshot, stop, table), stop


def check_size(lab: Lab, fmt: str, sensitivity: bool = False) -> None:
    """LabError if serializing this lab's whole trace would not fit in memory."""
    snapshot = lab.snapshot(layer=False)  # sizes only: the layer need not run for them
    batch, timesteps, input_dim = snapshot.batch.x.shape
    resources.check_trace(lab.config, timesteps, batch, fmt, input_dim=input_dim,
                          text=snapshot.weights.embedding is not None)
    if sensitivity:  # a (T, B, T) table: half of it in JSON, all of it in the .npz
        numbers = timesteps * batch * timesteps
        per_number = resources.JSON_BYTES_PER_NUMBER // 2 if fmt == "json" else 8
        resources.check(numbers * per_number, f"the trace's sensitivity ({timesteps:,} steps "
                        f"x {timesteps:,} inputs x batch {batch})")


def write_trace(lab: Lab, path: str | Path, fmt: str | None = None,
                until: list[str] | None = None, sensitivity: bool = False,
                force: bool = False) -> Path:
    """Write the whole trace to path atomically (files.AtomicFile): the old file or the
    complete new one, never half of one, and no temporary file left behind. until:
    conditions that end the trace at the first step where one holds (stopped_snapshot);
    sensitivity: add each step's ||dh/dx_j||_F; force: replace a read-only file."""
    return write_trace_until(lab, path, fmt, until, sensitivity, force)[0]


def check_output(path: str | Path, force: bool = False) -> Path:
    """The file write_trace would write (a link's target); LabError now, as the write itself
    would give it, for a folder, a device (or a link to one), a missing folder or (unless
    force) a read-only file: a dialog can refuse the path before it asks whether to replace
    the file."""
    return files.AtomicFile(path, TRACE_FILE, force=checks.boolean(force, "force")).path


def write_trace_until(lab: Lab, path: str | Path, fmt: str | None,
                      until: list[str] | None,
                      sensitivity: bool = False, force: bool = False, progress=None
                      ) -> tuple[Path, dict | None]:
    """write_trace, also returning the trace's `until` record (None without conditions);
    progress: as trace_bytes."""
    fmt = format_for(path, fmt)
    force = checks.boolean(force, "force")
    # Refuses a folder, a device or a read-only file before anything is computed.
    with files.AtomicFile(path, TRACE_FILE, force=force) as out:
        check_size(lab, fmt, sensitivity)
        data, stop = trace_bytes(lab, fmt, until, sensitivity, progress)
        out.write(data)
        files.commit_all(out)
    return out.path, stop


def stop_message(stop: dict) -> str:
    """What --until did, for stderr."""
    if stop["fired"] is None:
        return (f"no condition held: the trace runs to the end (step {stop['step']}); "
                f"{stop['values']}")
    return (f"stopped: {stop['fired']!r} holds after step {stop['step']} "
            f"(batch row {stop['row'] + 1}); the trace ends there")


def load_trace(path: str | Path) -> dict:
    """Read a trace written by write_trace back (JSON as a dict, .npz as a dict of arrays)."""
    path = Path(path)
    data = files.read_bytes(path, "trace file", MAX_TRACE_BYTES)
    if path.suffix.lower() == ".npz":
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return {key: arrays[key] for key in arrays.files}
    return files.json_from_bytes(data, str(path))
