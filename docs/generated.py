"""What the scripts that write part of the docs share: write a page, or check that it is
up to date (--check, as tests/test_docs.py runs them)."""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(script, page, render, what="", argv=None):
    """The command line of a docs script: SCRIPT its __file__, PAGE the file it writes, RENDER
    a function giving the page's whole new text, WHAT the part of the page it makes (say
    "'s calibration table"); exit status 1 when --check finds the page out of date."""
    parser = argparse.ArgumentParser(description=f"write or check {page.relative_to(REPO)}{what}")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is not up to date")
    args = parser.parse_args(argv)
    text, name, script = render(), page.relative_to(REPO), Path(script).name
    if args.check:
        if page.read_text(encoding="utf-8") != text:
            print(f"{name}{what} is out of date: run python docs/{script}", file=sys.stderr)
            return 1
        print(f"{name}{what} is up to date")
        return 0
    page.write_text(text, encoding="utf-8")
    print(f"wrote {name}{what}")
    return 0
