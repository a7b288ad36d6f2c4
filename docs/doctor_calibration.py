"""Write the training doctor's calibration table into docs/training.md: how close every
shipped config comes to each threshold of mgrad_cli/training/doctor.py.

    python docs/doctor_calibration.py           # rewrite the table
    python docs/doctor_calibration.py --check   # exit 1 if the page's table differs

Each shipped config is trained as shipped (its seed, its epochs) on the tensor engine (the
engines give the same figures: docs/training.md, per-layer statistics), and doctor.peaks()
reads its records: for each figure, the worst of any one epoch and the worst held for 5
epochs in a row, which is what the doctor compares with its threshold. The table sits
between the two CALIBRATION markers of the page; tests/test_docs.py checks it is up to date.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "docs")]

import generated  # noqa: E402

from mgrad_cli.data import shipped  # noqa: E402
from mgrad_cli.data.datasets import load_dataset  # noqa: E402
from mgrad_cli.training import doctor  # noqa: E402
from mgrad_cli.training.config import load_config  # noqa: E402
from mgrad_cli.training.trainer import Trainer  # noqa: E402

PAGE = REPO / "docs" / "training.md"
BEGIN, END = "<!-- CALIBRATION: made by docs/doctor_calibration.py -->\n", "<!-- CALIBRATION END -->\n"
COLUMNS = [("dead", "dead ReLUs (a layer)"), ("saturated", "saturated (a layer)"),
           ("too high", "update:data, highest (a layer)"), ("too low", "update:data, lowest (the network)")]


def _cell(rule, pair):
    if pair[0] is None:
        return "—"
    shown = (lambda v: f"{100 * v:.0f}%") if rule in ("dead", "saturated") else (lambda v: f"10^{v:.1f}")
    return f"{shown(pair[0])} / {shown(pair[1])}"


def render():
    """The table (markdown), a row per shipped config and the thresholds' row."""
    lines = ["| config | epochs | " + " | ".join(title for _, title in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for name in shipped.config_names():
        config = load_config(str(REPO / "configs" / f"{name}.yaml"), {"engine": "tensor"})
        records = list(Trainer(config, load_dataset(config["data"], config["seed"])).run())
        peaks = doctor.peaks(records)
        lines.append(f"| {name} | {len(records)} | " + " | ".join(_cell(rule, peaks[rule]) for rule, _ in COLUMNS)
                     + " |")
    limits = [f"{100 * doctor.DEAD:.0f}%", f"{100 * doctor.SATURATED:.0f}%", f"above 10^{doctor.TOO_HIGH:.1f}",
              f"below 10^{doctor.TOO_LOW:.1f}"]
    lines.append("| **the doctor speaks at** | | " + " | ".join(f"**{t}**" for t in limits) + " |")
    return "\n".join(lines) + "\n"


def page_with(table):
    text = PAGE.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + table + text[end:]


def main(argv=None):
    return generated.main(__file__, PAGE, lambda: page_with(render()), what="'s calibration table", argv=argv)


if __name__ == "__main__":
    sys.exit(main())
