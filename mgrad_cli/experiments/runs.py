"""Runs read back: a JSONL log's records, what they come to (the final and best losses,
the final metrics), the summary files of a sweep, and statistics over seeds.

A run's outcome is a flat dict of numbers, the same for a sweep's summary and for
`mgrad compare`:
    epochs                    epochs trained
    loss, best_loss           the training loss: at the last epoch, lowest of any epoch
    val_loss, best_val_loss   the same for the validation rows (data.val_split), if any
    test_loss, best_test_loss the same for the test rows (data.test_split), if any
    {split}_acc               classification: the last epoch's accuracy per split
    {split}_mse, _mae, _r2    regression: the last epoch's errors per split
A key is absent where the run has no such rows (or no epoch yet).
"""

import csv
import io
import json
import math
import statistics

from ..errors import UserInputError
from ..files import bounded_lines, display_path, open_user_file, write_atomic
from ..training.metrics import SPLITS, TASK_METRICS

LOSSES = ("loss", "val_loss", "test_loss")
METRICS = tuple(f"{split}_{m}" for task in ("classification", "regression") for split in SPLITS
                for m in TASK_METRICS[task])
OUTCOME_KEYS = ("epochs",) + tuple(k for loss in LOSSES for k in (loss, f"best_{loss}")) + METRICS
STATUSES = ("ok", "diverged", "interrupted", "failed")  # how a run ended; all but ok exit a sweep with 1
SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}


def read_log(path, partial=False):
    """The epoch records of a JSONL log (`mgrad train --log`): a list of dicts, each with
    an integer epoch and a loss. Raises UserInputError naming the file and line; with
    `partial`, returns the records before a line cut short instead (a run killed while
    writing it)."""
    shown, records = display_path(path), []
    with open_user_file(path, UserInputError, "log", encoding="utf-8") as f:
        for n, line in enumerate(bounded_lines(f, path, UserInputError, "log"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (RecursionError, ValueError) as e:  # (json.JSONDecodeError is a ValueError)
                if partial:
                    return records
                why = f"{e.msg}: column {e.colno}" if isinstance(e, json.JSONDecodeError) else "nested too deeply" \
                    if isinstance(e, RecursionError) else str(e)
                raise UserInputError(f"{shown}, line {n}: not a log record (not valid JSON: {why})") from None
            if not _is_record(record):
                raise UserInputError(f"{shown}, line {n}: not a log record (expected an object with an "
                                     f"epoch and a loss, as `mgrad train --log` writes)")
            records.append(record)
    return records


def _is_record(r):
    # the lists a record holds ("layers", "diagnoses") and any a later mgrad adds are not read here
    return (isinstance(r, dict) and isinstance(r.get("epoch"), int) and not isinstance(r["epoch"], bool)
            and _number(r.get("loss")) and all(v is None or _number(v) for k, v in r.items()
                                                if k != "epoch" and not isinstance(v, list)))


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def outcome(history):
    """The final and best losses and the final metrics of a run's epoch records."""
    out = {"epochs": history[-1]["epoch"] if history else 0}
    if not history:
        return out
    last = history[-1]
    for key in LOSSES:
        values = [r[key] for r in history if _finite(r.get(key))]
        if values:
            out[key], out[f"best_{key}"] = last.get(key), min(values)
    out.update({key: last[key] for key in METRICS if last.get(key) is not None})
    return out


def _finite(v):
    return _number(v) and math.isfinite(v)


def ceiling(histories, key):
    """The top of a chart of the histories' `key` curves, or None for their highest value:
    when a few values (a spike, a run blowing up) reach past twice the 95th percentile of
    all, a little above that percentile, so that they do not flatten every other curve."""
    values = sorted(r[key] for h in histories for r in h if _finite(r.get(key)))
    if not values:
        return None
    q = values[min(len(values) - 1, int(0.95 * len(values)))]
    return q * 1.1 if q > 0 and values[-1] > 2 * q else None


def loss_key(split, best=False):
    """The outcome's key of a split's loss: 'loss' for the training rows, 'val_loss',
    'test_loss'; with best, its lowest of any epoch ('best_loss', 'best_test_loss')."""
    return ("best_" if best else "") + ("loss" if split == "train" else f"{split}_loss")


def primary_split(outcomes):
    """The split runs are ranked by: validation when any run has validation rows, else
    test, else training."""
    for split in ("val", "test"):
        if any(loss_key(split, best=True) in o for o in outcomes):
            return split
    return "train"


def shared_split(outcomes):
    """The split whose loss curve every run with epochs can show: validation when all of
    them have validation rows, else test when all have test rows, else training."""
    trained = [o for o in outcomes if loss_key("train", best=True) in o]
    for split in ("val", "test"):
        if trained and all(loss_key(split, best=True) in o for o in trained):
            return split
    return "train"


def rank_key(split):
    """A sort key for rows with an outcome and a status: the finished runs by their best
    loss of `split` (lowest first; none last), then every other status."""
    key = loss_key(split, best=True)

    def by(row):
        value = row.get(key)
        return row.get("status", "ok") != "ok", value is None, value if value is not None else 0.0
    return by


def columns(rows, first):
    """The summary's columns: `first` (the keys that name a run), then status, the outcome
    keys any row has, and seconds."""
    present = [k for k in OUTCOME_KEYS if any(k in r for r in rows)]
    return list(first) + ["status"] + present + ["seconds"]


def write_summary(folder, rows, first):
    """folder/summary.csv and folder/summary.jsonl: a row per run, `first` columns (the
    run's index, folder and swept keys, with dotted names) then the outcome. -> the paths."""
    import os

    cols = columns(rows, first)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in cols])
    lines = "".join(json.dumps({c: _json_cell(row.get(c)) for c in cols}) + "\n" for row in rows)
    paths = os.path.join(folder, "summary.csv"), os.path.join(folder, "summary.jsonl")
    write_atomic(paths[0], text.getvalue())
    write_atomic(paths[1], lines)
    return paths


def _csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _json_cell(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    try:
        json.dumps(v)
    except (TypeError, ValueError):
        return str(v)
    return v


def seed_statistics(rows, keys):
    """{key: {n, mean, std, min, max}} over the rows' values of each key (finished runs
    only): std with ddof 1 (the sample standard deviation; None for fewer than 2)."""
    stats = {}
    for key in keys:
        values = [r[key] for r in rows if r.get("status") == "ok" and _finite(r.get(key))]
        if not values:
            continue
        stats[key] = {"n": len(values), "mean": statistics.fmean(values),
                      "std": statistics.stdev(values) if len(values) > 1 else None,
                      "min": min(values), "max": max(values)}
    return stats
