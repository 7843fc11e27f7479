"""Load the notebook's own definitions (imports, constants, functions, classes) as a module, for
the tests, the benchmarks and set-up's download step.

Only the top-level statements that define something are executed: imports, function and
class definitions, and assignments to UPPERCASE names that call nothing (literals). The
statements that load data, train or plot are skipped, so the tests exercise exactly the code the
notebook runs, without running the notebook.
"""
import ast
import json
import types
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[1] / "Assignment1_FirstName_LastName.ipynb"


def _calls_something(node):
    """True if evaluating `node` calls a function."""
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


def _is_definition(node):
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper()
                                            for t in node.targets):
        return not _calls_something(node.value)
    return False


def load_notebook_module(path=NOTEBOOK):
    """Return a module holding every definition made in the notebook's code cells."""
    cells = json.loads(Path(path).read_text())["cells"]
    module = types.ModuleType("notebook")
    module.__file__ = str(path)
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        tree.body = [node for node in tree.body if _is_definition(node)]
        exec(compile(tree, f"{path.name}[cell {index}]", "exec"), module.__dict__)
    return module
