"""The rules that keep mgrad_cli/ readable, checked on the source with `ast`: no function
over 60 lines and no class over 150 (from `def`/`class` to the last line, docstring
included), at most 8 modules at the package's root, a docstring opening every
subpackage, no import cycle (imports inside functions count; the backend registry's
import strings do not), and a lazy public face."""

import ast
import re
import subprocess
import sys

import pytest

from conftest import REPO

PACKAGE = REPO / "mgrad_cli"
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 150
MAX_ROOT_MODULES = 8


def sources():
    return sorted(PACKAGE.rglob("*.py"))


def too_long(source):
    """[(kind, name, line, length)] for the functions and classes of `source` over their limit."""
    found = []
    for node in ast.walk(ast.parse(source)):
        length = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and length > MAX_FUNCTION_LINES:
            found.append(("function", node.name, node.lineno, length))
        elif isinstance(node, ast.ClassDef) and length > MAX_CLASS_LINES:
            found.append(("class", node.name, node.lineno, length))
    return found


def test_no_function_over_60_lines_and_no_class_over_150():
    found = [f"{path.relative_to(REPO)}:{line} {kind} {name} has {length} lines"
             for path in sources() for kind, name, line, length in too_long(path.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_the_size_check_counts_from_def_to_the_last_line():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 2))
    fits = f'@decorator\ndef f():\n    """doc"""\n{body}'
    assert too_long(fits) == []
    assert too_long(fits + "    return x0\n") == [("function", "f", 2, MAX_FUNCTION_LINES + 1)]
    fields = "".join(f"    x{i} = {i}\n" for i in range(MAX_CLASS_LINES - 1))
    assert too_long(f"class C:\n{fields}") == []
    assert too_long(f"class C:\n{fields}    y = 0\n") == [("class", "C", 1, MAX_CLASS_LINES + 1)]


def test_at_most_8_modules_at_the_root():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


def test_every_subpackage_opens_with_a_docstring():
    missing = [str(init.relative_to(REPO)) for init in PACKAGE.rglob("__init__.py")
               if not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))]
    assert not missing


def unnamed_modules(docstring, names):
    """The module file names of `names` that `docstring` does not mention (as name.py)."""
    return [name for name in names if not re.search(rf"\b{re.escape(name)}\b", docstring)]


def test_every_subpackage_docstring_names_its_modules():
    """The docstring says what lives there: each module by its file name (the commands'
    package names them by the command instead: one module each)."""
    missing = {}
    for init in PACKAGE.rglob("__init__.py"):
        if init.parent in (PACKAGE, PACKAGE / "cli" / "commands"):
            continue
        names = sorted(p.name for p in init.parent.glob("*.py") if p.name != "__init__.py")
        unnamed = unnamed_modules(ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or "", names)
        if unnamed:
            missing[str(init.relative_to(REPO))] = unnamed
    assert not missing


def test_the_docstring_check_reads_file_names():
    assert unnamed_modules("the trainer (trainer.py) and config.py", ["trainer.py", "config.py", "doctor.py"]) == \
        ["doctor.py"]
    assert unnamed_modules("scaling", ["scaling.py"]) == ["scaling.py"]


def module_name(path):
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph():
    """{module: {modules it imports}} over mgrad_cli, from every import statement, those
    inside functions too. `from pkg import name` is an edge to pkg.name when that is a
    module, else to pkg."""
    modules = {module_name(p): p for p in sources()}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in modules}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    edges.add(full if full in modules else target)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules, or None (iterative depth-first search)."""
    state = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_no_import_cycles():
    assert find_cycle(import_graph()) is None


def test_the_cycle_check_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_commands_never_import_the_group():
    graph = import_graph()
    assert not [m for m in graph if m.startswith("mgrad_cli.cli.commands") and "mgrad_cli.cli.app" in graph[m]]


def engine_name_comparisons(source, engines):
    """[line] of each comparison in `source` (==, !=, in, not in) with an engine's name
    written as a string (alone, or in a tuple, list or set)."""
    def names_an_engine(node):
        if isinstance(node, ast.Constant):
            return node.value in engines
        return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(map(names_an_engine, node.elts))

    return [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Compare)
            and all(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops)
            and any(map(names_an_engine, [node.left, *node.comparators]))]


def test_nothing_outside_the_backends_compares_an_engine_s_name():
    """Which engine does what (the fast one, the reference, the data-parallel one, what
    each costs) is the registry's to say: backends.FAST, REFERENCE, DATA_PARALLEL, groups()."""
    from mgrad_cli import backends

    found = [f"{path.relative_to(REPO)}:{line}" for path in sources() if "backends" not in path.relative_to(PACKAGE).parts
             for line in engine_name_comparisons(path.read_text(encoding="utf-8"), backends.names())]
    assert not found, found


def test_the_engine_name_check_finds_a_comparison():
    engines = ("scalar", "tensor", "torch")
    assert engine_name_comparisons('if e != "torch": pass\nx = e in ("scalar", "tensor")\n', engines) == [1, 2]
    assert engine_name_comparisons('x = "scalar"\ny = e == "linear"\nz = e == FAST\n', engines) == []


@pytest.mark.parametrize("name", ["Value", "MLP", "Tensor"])
def test_the_public_face_loads_lazily(name):
    code = ("import sys, mgrad_cli; assert not {'numpy', 'rich', 'click'} & set(sys.modules), sorted(sys.modules); "
            f"from mgrad_cli import {name}; print({name}.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.startswith("mgrad_cli.")


def test_mlp_is_the_scalar_mlp():
    import random

    from mgrad_cli import MLP, Value

    net = MLP(2, [3, 1], activation="tanh", output="linear", rng=random.Random(0))
    assert isinstance(net([Value(1.0), Value(2.0)]), Value)
