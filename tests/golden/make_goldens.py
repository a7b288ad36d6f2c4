"""(Re)generate the golden outputs of mgrad's CLI into tests/golden/data/.

    PYTHONPATH=. python tests/golden/make_goldens.py                 # every case
    PYTHONPATH=. python tests/golden/make_goldens.py 'train-*-torch'  # those matching
    PYTHONPATH=. python tests/golden/make_goldens.py --check          # compare, write nothing
    MGRAD_GOLDEN_RUNNER=subprocess python tests/golden/make_goldens.py --check   # via python -m mgrad_cli

The cases, how they run and the normalization are in cases.py (shared with
tests/test_golden.py). Regenerate only from code whose output is known good: the goldens
are what later code is held to. A case whose needs (torch, dot) are missing is skipped and
its golden left as it is; regenerating every case removes the goldens of cases that no
longer exist.
"""

import argparse
import importlib.util
import sys
from pathlib import Path


def load_cases():
    spec = importlib.util.spec_from_file_location("mgrad_golden_cases", Path(__file__).with_name("cases.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patterns", nargs="*", metavar="CASE", help="case ids or shell patterns (default: all)")
    parser.add_argument("--check", action="store_true", help="compare with the stored goldens, write nothing")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)

    cases = load_cases()
    selected = cases.select(args.patterns)
    if args.list:
        for case in selected:
            print(case.id, *(["needs=" + ",".join(case.needs)] if case.needs else []), *(["slow"] if case.slow else []))
        return 0
    if not selected:
        parser.error("no case matches " + " ".join(args.patterns))
    if cases.runner_mode() == "inprocess":
        cases.prepare_process()
    cases.DATA.mkdir(parents=True, exist_ok=True)
    total, failed, skipped = 0.0, [], []
    for case in selected:
        lacking = cases.missing_needs(case)
        if lacking:
            skipped.append(case.id)
            print(f"skip   {case.id} (no {', '.join(lacking)})", flush=True)
            continue
        text, seconds, cpu = cases.timed(case)
        total += seconds
        path = cases.golden_path(case)
        slow = " SLOW (mark it slow)" if seconds > 3 and not case.slow and cases.runner_mode() == "inprocess" else ""
        if args.check:
            stored = path.read_text(encoding="utf-8") if path.exists() else ""
            ok = stored == text
            if not ok:
                failed.append(case.id)
                print(cases.diff(stored, text, path.name))
            print(f"{'ok' if ok else 'DIFF':6} {case.id} {seconds:.2f} s (cpu {cpu:.2f} s){slow}", flush=True)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote  {case.id} {seconds:.2f} s (cpu {cpu:.2f} s) {len(text.encode()):,} bytes{slow}", flush=True)
    if not args.check and not args.patterns and not skipped:
        known = {cases.golden_path(c).name for c in cases.CASES}
        for stale in sorted(cases.DATA.glob("*.txt")):
            if stale.name not in known:
                stale.unlink()
                print(f"removed {stale.name} (no such case)")
    print(f"{len(selected) - len(skipped)} cases in {total:.1f} s ({cases.runner_mode()})"
          + (f"; {len(failed)} differ: {' '.join(failed)}" if failed else "")
          + (f"; skipped {' '.join(skipped)}" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
