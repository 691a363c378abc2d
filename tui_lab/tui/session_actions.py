"""The app's session actions (mixed into LabApp): restore where a saved session was, and
save what the lab shows now (session.py holds the Session and its file)."""

from __future__ import annotations

from pathlib import Path


class SessionActions:
    """Mixed into LabApp; uses its snapshot, marks, line cursor, submit and notify."""

    def _restore_position(self) -> None:
        """A restored session's step, marks and line cursor (its input is already in the lab)."""
        start = self._restore_at or {}
        lines = self._lines
        marks = set(start.get("marks") or ())
        if marks and marks == set(self._selection):
            self.marks = marks
        cursor = start.get("cursor")
        if isinstance(cursor, int) and 1 <= cursor <= len(lines) and lines[cursor - 1].strip():
            self.line_cursor = cursor
            self._show_lines()
        step = start.get("step") or 0
        if step > 0:
            self.submit("Restore", lambda lab: lab.seek(min(step, lab.timesteps)))

    def session_now(self):
        """What the lab shows now, as a Session (None before the first states)."""
        from tui_lab.tui.session import Session

        snapshot = self.snapshot
        if snapshot is None:
            return None
        text = vectors = None
        if snapshot.source_kind == "vectors":
            vectors = self._vectors_file
        elif Path(snapshot.source_name).is_file():
            text = str(Path(snapshot.source_name).resolve())
        view, model = getattr(snapshot, "model", None), None
        if view is not None:
            model = {"path": str(Path(view.path).resolve()), "layer": view.layer.name,
                     "direction": view.direction, **(self._model_options or {})}
        return Session(text=text, vectors=vectors, selection=snapshot.selection,
                       sentence=snapshot.sentence, settings=snapshot.config.as_dict(),
                       step=snapshot.t, model=model, theme=self.theme,
                       marks=tuple(sorted(self.marks)), cursor=self.line_cursor,
                       digits=self.view.digits, row=self.view.row)

    def _save_soon(self) -> None:
        """Save within a second: often enough that a dropped SSH link loses little, rarely
        enough that playing or a key storm does not write the file at every step."""
        if self._save_session and self._save_timer is None:
            self._save_timer = self.set_timer(1.0, self.save_session)

    def save_session(self) -> None:
        from tui_lab.tui import session

        self._save_timer = None
        current = self.session_now() if self._save_session else None
        if current is None or current.to_json() == self._saved:
            return
        try:
            session.save(current)
        except OSError as error:
            self._save_session = False  # say it once, not at every step
            self.notify(f"the session cannot be saved in {session.config_dir()}: "
                        f"{error.strerror or error}", title="Session", severity="warning")
        else:
            self._saved = current.to_json()
