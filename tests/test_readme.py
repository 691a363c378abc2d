"""The README's Python example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README has a Python example"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "h_3: [[" in out and "c_3: [[" in out and "forget gate: [[" in out
    error = float(re.search(r"max \|step - keras layer\|: (\S+)", out)[1])
    assert error < 1e-5


def test_readme_debugger_example_runs_after_the_first(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    capsys.readouterr()
    exec(compile(blocks[1], "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "'forget[3] < 0.726' holds after step 3 (batch row 1: forget[3] = 0.7245" in out
    assert "forget[1] at the last step: 0.0\n" in out  # the clamp held
    lab = namespace["lab"]
    assert lab.edits == () and lab.what_if() is None  # the edit and the clamp undone


def test_ci_runs_the_readme_test_command():
    command = re.search(r"Install the test extra.*?```\n(.*?)\n```", README.read_text(), re.S)[1]
    ci = (README.parent / ".ci" / "run").read_text()
    assert command in ci.splitlines()
