"""The floors as the code has them: every module imports in a fresh interpreter, no two modules import each other
in a circle (imports inside functions count, `if TYPE_CHECKING:` ones do not), and importing a floor loads nothing
of the floors above it nor the heavy libraries it has no use for. The layer contracts themselves run in `make lint`
(import-linter, [tool.importlinter] in pyproject.toml)."""

from __future__ import annotations

import graphlib
import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ("canbao", "flows", "tasks", "models")


def _fresh_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*FLOORS, exclude_type_checking_imports=True, cache_dir=None)


def _project_modules(graph: grimp.ImportGraph) -> list[str]:
    return sorted(m for m in graph.modules if m.split(".")[0] in FLOORS and ".migrations" not in m)


def test_every_module_imports_in_a_fresh_interpreter() -> None:
    modules = _project_modules(_graph())
    code = (
        "import importlib, json, sys\n"
        f"failed = {{}}\nfor name in {modules!r}:\n"
        "    try:\n        importlib.import_module(name)\n"
        "    except Exception as error:\n        failed[name] = repr(error)\n"
        "print(json.dumps(failed))\n"
    )
    assert json.loads(_fresh_python(code)) == {}


def test_no_module_imports_another_in_a_circle() -> None:
    graph = _graph()
    modules = _project_modules(graph)
    imports = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    try:
        tuple(graphlib.TopologicalSorter(imports).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import circle: {' -> '.join(error.args[1])}")


def test_a_circle_is_seen() -> None:
    """The check above fails on a circle: two modules importing each other, one of them inside a function."""
    imports = {"tasks.a": {"tasks.b"}, "tasks.b": {"tasks.a"}}
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter(imports).static_order())


@pytest.mark.parametrize(
    ("floor", "absent"),
    [
        ("models", ("tasks", "flows", "canbao", "prefect", "docx", "matplotlib", "apprise", "jinja2", "fastapi")),
        ("tasks", ("flows", "canbao", "prefect", "typer", "fastapi", "uvicorn")),
        ("flows", ("canbao", "typer", "fastapi", "uvicorn")),
    ],
)
def test_importing_a_floor_loads_nothing_above_it(floor: str, absent: tuple[str, ...]) -> None:
    modules = [m for m in _project_modules(_graph()) if m.split(".")[0] == floor]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(absent)!r})))\n"
    )
    assert json.loads(_fresh_python(code)) == []
