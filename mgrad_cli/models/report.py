"""The replay page of a run: one self-contained HTML file (inline script and style, no
network) that replays training from a checkpoint's weight snapshots.

It shows an epoch slider and a play button; the loss and metric curves of every split
with a cursor at the chosen epoch; each layer's statistics over the epochs with the
lecture's 1e-3 update:data guide; the doctor's diagnoses at their epochs; for 2-D inputs
the decision boundary at the chosen epoch over the training and held-out points and a
small picture per hidden neuron (what it responds to), as TensorFlow Playground draws
them; for more inputs the confusion matrix and per-class accuracy (or, for regression,
an error histogram) at the chosen epoch.

The page's script computes every picture from the snapshots with the model's forward
pass (report.js), and exposes window.mgradReport = {epochs, predict(epoch, rows)}:
predict gives, for raw feature rows, what `mgrad predict --json` gives (outputs,
prediction, class) at that epoch.

The data travels as JSON inside <script>: `<`, `>`, `&`, U+2028 and U+2029 are escaped,
so no name from a data set can end the script or break it. The page stays under
MAX_BYTES: at most MAX_ROWS rows of data are sampled (seeded), and snapshots are thinned
until it fits.
"""

import html
from importlib import resources

import numpy as np

from ..backends.mlp import sizes_text
from ..nn import losses
from ..nn.activations import layer_activations
from ..training.metrics import SPLITS

MAX_BYTES = 5_000_000
MAX_ROWS = 2000


def script_json(data):
    """JSON safe inside an inline <script> (inspect.page.script_json: the one place for it)."""
    from ..inspect.page import script_json as safe

    return safe(data, allow_nan=False)


def _rows(X, y, split, rng):
    """At most MAX_ROWS rows of (X raw, y, split names), sampled with rng; with the number
    of rows of each split before sampling."""
    idx = np.arange(len(X)) if len(X) <= MAX_ROWS else np.sort(rng.choice(len(X), MAX_ROWS, replace=False))
    total = {name: split.count(name) for name in SPLITS if name in split}
    return {"X": X[idx].tolist(), "y": np.asarray(y)[idx].tolist(), "split": [split[i] for i in idx],
            "total": total}


def kept_epoch(ckpt):
    """The epoch whose weights the checkpoint holds: early stopping's best once it has
    stopped the run, else the last."""
    stopping = ckpt.get("early_stopping")
    return stopping["best_epoch"] if stopping and stopping.get("stopped") else ckpt["epoch"]


def report_data(model, history, snapshots, rows):
    """The page's data: the model (sizes, activations, standardization, the output's
    class rule, the loss's link), the history, the snapshots and the rows (X raw, y,
    split)."""
    config = model.config
    acts = layer_activations(len(config["model"]["layers"]), config["model"]["activation"], config["model"]["output"])
    single = model.sizes[-1] == 1
    return {
        "title": f"{model.ckpt['data']['name']}: MLP {sizes_text(model.sizes)}",
        "task": model.task, "sizes": model.sizes, "activations": acts,
        "features": model.feature_names, "classes": model.class_names,
        "mean": None if model.mean is None else model.mean.tolist(),
        "std": None if model.std is None else model.std.tolist(),
        "targetMean": model.target_mean, "targetStd": model.target_std,
        "threshold": losses.class_threshold(config["model"]["output"]) if single else None,
        "link": losses.LOSSES[model.loss].link, "target": model.target,
        "history": history, "epochs": snapshots["epochs"], "weights": snapshots["weights"],
        "kept": kept_epoch(model.ckpt), "rows": rows,
    }


def page(data):
    """(The HTML text, how many snapshots it holds) of the replay page for report_data()'s data, its snapshots thinned
    to fit MAX_BYTES: as many as fit, evenly spaced, the first, the last and the kept one
    always among them (snapshots.chosen)."""
    from ..training.snapshots import chosen

    epochs, weights = data["epochs"], dict(zip(data["epochs"], data["weights"]))
    n = len(epochs)
    while True:
        keep = chosen(epochs, [data["kept"]], n)
        text = _TEMPLATE.format(title=html.escape(data["title"]),
                                data=script_json(dict(data, epochs=keep, weights=[weights[e] for e in keep])),
                                style=_asset("report.css"), script=_asset("report.js"))
        size = len(text.encode("utf-8"))
        if size <= MAX_BYTES or len(keep) <= 3:
            return text, len(keep)
        each = len(script_json(weights[keep[-1]]).encode("utf-8"))  # a snapshot's bytes, about
        n = min(len(keep) - 1, len(keep) - (size - MAX_BYTES) // each - 1)


def dataset_rows(dataset, X_raw):
    """(X raw, y as the page compares it: class indices, or a regression target in its
    units, split names: 'train', 'val' or 'test') of a data set."""
    y = dataset.raw_target(dataset.y) if dataset.task == "regression" else dataset.y
    split = ["train"] * len(X_raw)
    for name, idx in (("val", dataset.val_idx), ("test", dataset.test_idx)):
        for i in np.asarray(idx).tolist():
            split[i] = name
    return X_raw, y, split


def write_report(path, model, history, snapshots, dataset_rows, seed=0):
    """Write the page for a model (evaluate.Model), its history, its snapshots and the rows
    (X raw, y, split names) to path. -> how many snapshots the page holds."""
    from ..files import write_atomic

    X, y, split = dataset_rows
    rows = _rows(np.asarray(X, dtype=np.float64), y, list(split), np.random.default_rng(seed))
    text, shown = page(report_data(model, history, snapshots, rows))
    write_atomic(path, text)
    return shown


def _asset(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{style}</style></head>
<body>
<h1>{title}</h1>
<div id="controls"><button id="play" type="button">play</button>
<input id="epoch" type="range" min="0" value="0" step="1"> <span id="epoch-label"></span></div>
<div id="grid">
<section id="picture"><h2 id="picture-title"></h2><div id="legend"></div>
<canvas id="boundary" width="300" height="300"></canvas><div id="axes"></div>
<div id="neurons"></div><div id="splits"></div></section>
<section><h2>loss</h2><canvas id="curves" width="460" height="190"></canvas>
<h2 id="metric-title"></h2><canvas id="metric" width="460" height="150"></canvas></section>
<section><h2>layers over the epochs: <select id="layer-figure"></select></h2>
<canvas id="layers" width="460" height="220"></canvas><div id="layer-table"></div></section>
<section><h2>the doctor</h2><ul id="diagnoses"></ul></section>
</div>
<script>window.mgradData = {data};</script>
<script>{script}</script>
</body></html>
"""
