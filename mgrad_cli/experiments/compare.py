"""Runs side by side: reading each from what a run leaves behind, what differs between
their configs, and their loss curves overlaid in one figure.

A RUN is any of:
    a checkpoint (train --save)   its config, its history of epoch records
    a JSONL log (train --log)     its epoch records (no config: "?" where it would differ)
    a run folder (of a sweep)     config.yaml, log.jsonl, model.json and run.json's status
    a sweep folder (--out)        each of its run folders, in order
"""

import json
import os
from dataclasses import dataclass, field

from ..data import names as name_rule
from ..errors import UserInputError
from ..files import display_path
from .runs import ceiling, read_log
from .sweep import FILES

MAX_RUNS = 1_000  # runs one comparison reads


@dataclass
class RunRecord:
    """A run as read back: its name, where it was read from, its resolved config (None
    when unknown), its epoch records, and its status when a sweep recorded one."""

    name: str
    path: str
    config: dict = None
    history: list = field(default_factory=list)
    status: str = None


def load_runs(paths):
    """The runs at these paths (a sweep folder gives each of its runs), named so that no
    two share a name. Raises UserInputError naming the path."""
    records = []
    for path in paths:
        records += _load(str(path))
        if len(records) > MAX_RUNS:
            raise UserInputError(f"more than {MAX_RUNS:,} runs to compare; name fewer")
    names = [r.name for r in records]
    for r in records:
        if names.count(r.name) > 1:  # e.g. the same run folder of two sweeps: name the sweep too
            r.name = os.path.join(os.path.basename(os.path.dirname(os.path.abspath(r.path))), r.name)
        refused = name_rule.problem(r.name, "the run's name")  # a file or folder name: data/names.py
        if refused:
            raise UserInputError(f"{display_path(r.path)}: {refused}")
    return records


def _load(path):
    shown = display_path(path)
    if os.path.isdir(path):
        if _is_run_folder(path):
            return [_run_folder(path)]
        runs = sorted(e.path for e in os.scandir(path) if e.is_dir() and _is_run_folder(e.path))
        if not runs:
            raise UserInputError(f"{shown}: neither a run folder (with {FILES['log']} or {FILES['model']}) "
                                 f"nor a sweep folder (with run folders)")
        return [_run_folder(p) for p in runs]
    if not os.path.lexists(path):
        raise UserInputError(f"{shown}: no such file or folder")
    if _looks_like_log(path):
        return [RunRecord(os.path.basename(path), path, None, read_log(path))]
    from ..training.checkpoint import load_checkpoint

    ckpt = load_checkpoint(path)
    return [RunRecord(os.path.basename(path), path, ckpt["config"], ckpt["history"])]


def _is_run_folder(path):
    return any(os.path.isfile(os.path.join(path, FILES[k])) for k in ("log", "model"))


def _looks_like_log(path):
    """Whether the file's first line is a JSON object with an epoch (a log), not the
    first line of a checkpoint."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline(64 * 1024)
        return isinstance(json.loads(first), dict) and "epoch" in json.loads(first)
    except (OSError, ValueError, RecursionError):
        return False


def _run_folder(path):
    """A run folder: its config (config.yaml, else the checkpoint's), its history (the log,
    else the checkpoint's) and its status (run.json)."""
    from ..training.checkpoint import load_checkpoint
    from ..training.config import load_config

    record = RunRecord(os.path.basename(os.path.normpath(path)), path)
    files = {k: os.path.join(path, name) for k, name in FILES.items()}
    ckpt = None
    if os.path.isfile(files["config"]):
        record.config = load_config(files["config"], here=False)  # it ran elsewhere, perhaps on a GPU
    if os.path.isfile(files["log"]):
        record.history = read_log(files["log"])
    if (record.config is None or not os.path.isfile(files["log"])) and os.path.isfile(files["model"]):
        ckpt = load_checkpoint(files["model"])
        record.config = record.config or ckpt["config"]
        record.history = record.history or ckpt["history"]
    record.status = _status(files["run"])
    return record


def _status(path):
    from .runs import STATUSES

    try:
        with open(path, encoding="utf-8") as f:
            status = json.load(f).get("status")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return status if status in STATUSES else None


def flatten(config, prefix=""):
    """{dotted key: value} of a config's settings (lists kept whole)."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def differences(configs):
    """The dotted keys whose values are not the same in every known config (None: unknown),
    in the configs' own order."""
    flat = [flatten(c) for c in configs if c is not None]
    keys = []
    for f in flat:
        keys += [k for k in f if k not in keys]
    missing = object()
    return [k for k in keys if len({json.dumps(f.get(k, missing), default=str) for f in flat}) > 1]


def plot_runs(path, runs, key, title, names):
    """Draw each run's `key` curve (loss, val_loss, test_loss) on one axes to path (.png or
    .svg), labelled with `names`: on a log scale when every value is positive, else cut
    at runs.ceiling as the terminal chart is."""
    from ..models import plot as plotting

    fmt = plotting.check_path(path)
    plotting.require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    values, lines = [], []
    for i, (run, name) in enumerate(zip(runs, names)):
        points = [(r["epoch"], r[key]) for r in run.history if r.get(key) is not None]
        if points:  # (a name as drawn literally: plot_text; "_x" too, as the legend's handles are given)
            lines += ax.plot(*zip(*points), label=plotting.plot_text(name),
                             color=plotting.PALETTE[i % len(plotting.PALETTE)],
                             linestyle=("-", "--", ":", "-.")[i // len(plotting.PALETTE) % 4])
            values += [v for _, v in points]
    top = ceiling([run.history for run in runs], key)
    if values and min(values) > 0:
        ax.set_yscale("log")
    elif top is not None:
        ax.set_ylim(bottom=min(values) - 0.02 * top, top=top)
    ax.set_xlabel("epoch")
    ax.set_ylabel(title)
    ax.legend(handles=lines, fontsize="small")
    plotting.save_figure(fig, path, fmt)

