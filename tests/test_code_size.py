"""Two limits that keep mgrad_cli/ readable: no function longer than 60 lines (from `def`
to its last line, docstring included), and the command line's root module under 500."""

import ast

from conftest import REPO

PACKAGE = REPO / "mgrad_cli"
MAX_FUNCTION_LINES = 60


def long_functions(source):
    """[(name, line, length)] for the functions of `source` longer than MAX_FUNCTION_LINES."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append((node.name, node.lineno, length))
    return found


def test_no_function_is_longer_than_60_lines():
    found = [f"{path.relative_to(REPO)}:{line} {name}() has {length} lines"
             for path in sorted(PACKAGE.rglob("*.py"))
             for name, line, length in long_functions(path.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_the_check_counts_from_def_to_the_last_line():
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 2))
    fits = f'@decorator\ndef f():\n    """doc"""\n{body}'
    assert long_functions(fits) == []
    assert long_functions(fits + "    return x0\n") == [("f", 2, MAX_FUNCTION_LINES + 1)]


def test_cli_py_is_under_500_lines():
    assert len((PACKAGE / "cli.py").read_text(encoding="utf-8").splitlines()) < 500
