"""Golden outputs: the CLI still prints and writes, byte for byte, what it did when the
goldens were recorded (tests/golden/data/, from commit 764b562, before the package was
restructured).

Each case of tests/golden/cases.py (its id is the test's id) runs its `mgrad` commands
in a fresh directory against the code under test, and its record (stdout, stderr, exit
status and the files written: --log, --save, --graph, -o, --copy), normalized, must equal
tests/golden/data/<case id>.txt. The normalization (cases.normalize) replaces only wall
times and absolute paths; everything else is compared exactly. A failure names the steps
and sections that differ and shows a unified diff.

    python -m pytest tests/test_golden.py -q                      # all
    python -m pytest tests/test_golden.py -q -m 'not slow'
    python -m pytest tests/test_golden.py -q -k 'train-iris'
    MGRAD_GOLDEN_RUNNER=subprocess python -m pytest tests/test_golden.py   # via python -m mgrad_cli

Regenerate the goldens only from code whose output is the reference (it is what later code
is held to): PYTHONPATH=. python tests/golden/make_goldens.py [CASE ...]
"""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

# Differences from the goldens that a change is allowed to make, by case id, each with the
# reason why: a deliberate change of behaviour must be named here (case id -> reason), not
# slipped in. A listed case still runs and is expected to differ (xfail, strict): once its
# golden is regenerated with the new behaviour it passes again, which fails as XPASS(strict),
# the reminder to remove its entry. Issue 18's two allowed changes are made (2ea35dc,
# c97c835), each named in its own test, and the goldens were regenerated since (1cdedc9),
# so neither is listed:
#   (a) accuracy counts rows whose outputs are nan as wrong everywhere:
#       tests/cli/test_train.py::test_a_row_with_a_nan_output_counts_as_wrong_in_the_records;
#   (b) memory refusals follow each engine's own cost (Backend.memory):
#       tests/test_limits.py::test_the_estimate_is_the_engines_own and
#       ::test_a_gpu_run_is_not_charged_for_what_the_gpu_holds.
# e.g. ALLOWED = {"memory-scalar": "(b) memory refusals follow each engine's own cost"}
ALLOWED = {}

MAX_DIFF_LINES = 300  # of a failure's diff; make_goldens.py --check CASE prints all of it


def _load_cases():
    path = Path(__file__).resolve().parent / "golden" / "cases.py"
    spec = importlib.util.spec_from_file_location("mgrad_golden_cases", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


golden = _load_cases()
if golden.runner_mode() == "inprocess":
    golden.prepare_process()


def _params():
    for case in golden.CASES:
        marks = [pytest.mark.slow] if case.slow else []
        if case.id in ALLOWED:
            marks.append(pytest.mark.xfail(reason=f"allowed: {ALLOWED[case.id]}", strict=True))
        yield pytest.param(case, id=case.id, marks=marks)


def test_allowed_names_cases_and_reasons():
    unknown = sorted(set(ALLOWED) - {case.id for case in golden.CASES})
    assert not unknown, f"ALLOWED names cases that do not exist: {unknown}"
    blank = sorted(k for k, reason in ALLOWED.items() if not (isinstance(reason, str) and reason.strip()))
    assert not blank, f"ALLOWED entries without a reason: {blank}"


def test_every_golden_has_a_case():
    known = {golden.golden_path(case).name for case in golden.CASES}
    stale = sorted(p.name for p in golden.DATA.glob("*.txt") if p.name not in known)
    assert not stale, f"goldens of no case (removed or renamed?): {stale}"


@pytest.mark.parametrize("case", list(_params()))
def test_golden(case):
    if "torch" in case.needs:
        pytest.importorskip("torch")
    if "dot" in case.needs and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed (apt-get install graphviz)")
    path = golden.golden_path(case)
    if not path.exists():
        pytest.fail(f"no golden {path}: record it with python tests/golden/make_goldens.py {case.id}", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    actual = golden.run_case(case)
    if actual != expected:
        where = "\n".join("  " + s for s in golden.differing_sections(expected, actual))
        pytest.fail(f"{case.id}: the output differs from {path.relative_to(golden.REPO)} in\n{where}\n\n"
                    + golden.diff(expected, actual, path.name, MAX_DIFF_LINES), pytrace=False)
