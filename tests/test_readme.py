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


def test_ci_runs_the_readme_test_command():
    command = re.search(r"Install the test extra.*?```\n(.*?)\n```", README.read_text(), re.S)[1]
    ci = (README.parent / ".ci" / "run").read_text()
    assert command in ci.splitlines()
