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

from ..nn import losses
from ..nn.activations import layer_activations

MAX_BYTES = 5_000_000
MAX_ROWS = 2000


def script_json(data):
    """JSON safe inside an inline <script> (inspect.page.script_json: the one place for it)."""
    from ..inspect.page import script_json as safe

    return safe(data, allow_nan=False)


def _rows(X, y, split, rng):
    """At most MAX_ROWS rows of (X raw, y, split name), sampled with rng."""
    idx = np.arange(len(X)) if len(X) <= MAX_ROWS else np.sort(rng.choice(len(X), MAX_ROWS, replace=False))
    return {"X": X[idx].tolist(), "y": np.asarray(y)[idx].tolist(), "split": [split[i] for i in idx]}


def report_data(model, history, snapshots, rows):
    """The page's data: the model (sizes, activations, standardization, the output's
    class rule), the history, the snapshots and the rows (X raw, y, split)."""
    config = model.config
    acts = layer_activations(len(config["model"]["layers"]), config["model"]["activation"], config["model"]["output"])
    single = model.sizes[-1] == 1
    return {
        "title": f"{model.ckpt['data']['name']}: MLP {'-'.join(map(str, model.sizes))}",
        "task": model.task, "sizes": model.sizes, "activations": acts,
        "features": model.feature_names, "classes": model.class_names,
        "mean": None if model.mean is None else model.mean.tolist(),
        "std": None if model.std is None else model.std.tolist(),
        "targetMean": model.target_mean, "targetStd": model.target_std,
        "threshold": losses.class_threshold(config["model"]["output"]) if single else None,
        "history": history, "epochs": snapshots["epochs"], "weights": snapshots["weights"],
        "rows": rows,
    }


def page(data):
    """The HTML text of the replay page for report_data()'s data, thinned to fit MAX_BYTES."""
    while True:
        text = _TEMPLATE.format(title=html.escape(data["title"]), data=script_json(data),
                                style=_asset("report.css"), script=_asset("report.js"))
        if len(text.encode("utf-8")) <= MAX_BYTES or len(data["epochs"]) <= 2:
            return text
        keep = sorted(set(range(0, len(data["epochs"]), 2)) | {len(data["epochs"]) - 1})
        data = dict(data, epochs=[data["epochs"][i] for i in keep], weights=[data["weights"][i] for i in keep])


def dataset_rows(dataset, X_raw):
    """(X raw, y as the page compares it: class indices, or a regression target in its
    units, split names: 'train' or 'held out') of a data set."""
    y = dataset.raw_target(dataset.y) if dataset.task == "regression" else dataset.y
    return X_raw, y, ["held out" if t else "train" for t in dataset.is_test]


def write_report(path, model, history, snapshots, dataset_rows, seed=0):
    """Write the page for a model (evaluate.Model), its history, its snapshots and the rows
    (X raw, y, split names) to path."""
    from ..files import write_atomic

    X, y, split = dataset_rows
    rows = _rows(np.asarray(X, dtype=np.float64), y, list(split), np.random.default_rng(seed))
    write_atomic(path, page(report_data(model, history, snapshots, rows)))


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
<section><h2>loss and metrics</h2><canvas id="curves" width="460" height="220"></canvas></section>
<section><h2>layers: update:data (log10), the 1e-3 guide dashed</h2><canvas id="layers" width="460" height="220"></canvas>
<div id="layer-table"></div></section>
<section id="picture"><h2 id="picture-title"></h2><canvas id="boundary" width="240" height="240"></canvas>
<div id="neurons"></div><div id="confusion"></div></section>
<section><h2>the doctor</h2><ul id="diagnoses"></ul></section>
</div>
<script>window.mgradData = {data};</script>
<script>{script}</script>
</body></html>
"""
