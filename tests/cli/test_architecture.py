"""The package's boundaries: the import-linter contracts in pyproject.toml hold (and do fail on
a forbidden import), no tui_lab modules import each other in a cycle, and no module reaches
into another's private names."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "tui_lab"

# Cycles closed by an import inside a function (so none of them breaks an import), in the
# packages of other branches of issue 9: listed here so that any other cycle fails this test.
# Remove an entry once its cycle is gone.


def lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    """lint-imports on the [tool.importlinter] of cwd/pyproject.toml, for the tui_lab found on
    pythonpath (not an installed one). The script beside this interpreter, else on PATH."""
    script = Path(sys.executable).parent / "lint-imports"
    command = [str(script)] if script.exists() else [shutil.which("lint-imports")]
    assert command[0], "lint-imports is not installed (pip install -e '.[test]')"
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([*command, "--no-cache", "--no-logo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def contract_names() -> list[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.findall(r'^\[\[tool\.importlinter\.contracts\]\]\nname = "(.*)"$', text, re.M)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    names = contract_names()
    assert len(names) >= 5
    assert f"Contracts: {len(names)} kept, 0 broken." in result.stdout, result.stdout


def test_a_forbidden_import_breaks_the_contract(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "tui_lab", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    stepper = tmp_path / "tui_lab" / "core" / "stepper.py"
    stepper.write_text(stepper.read_text(encoding="utf-8") + "\nimport textual\n", encoding="utf-8")
    result = lint_imports(tmp_path, tmp_path)
    out = " ".join((result.stdout + result.stderr).split())  # contract names wrap at 80 columns
    assert result.returncode != 0, out
    assert re.search(r"Contracts: \d+ kept, [1-9]\d* broken\.", out), out
    assert f"{contract_names()[0]} BROKEN" in out, out
    assert "tui_lab.core.stepper -> textual" in out, out


def import_graph() -> grimp.ImportGraph:
    # Imports under `if TYPE_CHECKING:` never run; they name a type for readers and checkers.
    return grimp.build_graph("tui_lab", cache_dir=None, exclude_type_checking_imports=True)


def test_no_import_cycles():
    """Every import counts, at module level or inside a function: a cycle means two modules
    that cannot be understood, tested or moved apart."""
    graph = import_graph()
    cycles = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.setdefault(frozenset(back), (importer, *back))

    def described(chain) -> str:
        steps = []
        for a, b in zip(chain, chain[1:]):
            lines = [d["line_number"] for d in graph.get_import_details(importer=a, imported=b)]
            steps.append(f"{a} (line {', '.join(map(str, lines))})")
        return " -> ".join(steps + [chain[-1]])

    assert not cycles, "import cycles:\n" + "\n".join(map(described, cycles.values()))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(path: Path, source: str | None = None) -> list[str]:
    """`from tui_lab.x import _name`, and `x._name` on a tui_lab module x, in another module."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source, str(path))
    modules: dict[str, str] = {}  # local name -> the tui_lab module it is
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tui_lab":
                    local = alias.asname or alias.name.split(".")[0]
                    modules[local] = alias.name if alias.asname else "tui_lab"
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "tui_lab":
                continue
            for alias in node.names:
                if is_module(f"{base}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{base}.{alias.name}"
                if private(alias.name) and base != own:
                    found.append(f"{own}:{node.lineno} imports {base}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            dotted, value = [], node.value
            while isinstance(value, ast.Attribute):
                dotted.insert(0, value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in modules:
                target = ".".join([modules[value.id], *dotted])
                if is_module(target) and target != own:
                    found.append(f"{own}:{node.lineno} uses {target}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    """A leading underscore means "only this module": other modules use public names."""
    offenders = [use for path in sorted(PACKAGE.rglob("*.py")) for use in private_uses(path)]
    assert not offenders, "private names used from another module:\n" + "\n".join(offenders)


@pytest.mark.parametrize("source, expected", [
    ("from tui_lab.core.text import _split\n", ["imports tui_lab.core.text._split"]),
    ("from tui_lab.core import text\ntext._split('x')\n", ["uses tui_lab.core.text._split"]),
    ("import tui_lab.core.text as t\nt._split\n", ["uses tui_lab.core.text._split"]),
    ("import tui_lab.core.text\ntui_lab.core.text._split\n", ["uses tui_lab.core.text._split"]),
    ("from . import text\ntext._split\n", ["uses tui_lab.core.text._split"]),
    ("from tui_lab.core.text import split, __all__\nself._x\n", []),
])
def test_the_private_name_check_finds_them(source, expected):
    found = private_uses(PACKAGE / "core" / "probe.py", source)
    assert [use.partition(" ")[2] for use in found] == expected
