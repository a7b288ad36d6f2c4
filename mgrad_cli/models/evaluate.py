"""Using a trained model: load it from a checkpoint, read new inputs, predict, evaluate.

A Model is a checkpoint made usable: the backend its config describes, the weights, and
the data's names and standardization. Inputs are always raw (as in the CSV the model was
trained on); the model applies the stored (x - mean) / std itself.

    model = load_model("iris.json")
    X, y, lines = read_rows("new.csv", model)      # errors name the file, line and column
    model.predictions(X)                           # [{"prediction": "setosa", ...}, ...]
    evaluate(model, X_raw, y)                      # loss, accuracy or mse, confusion matrix
"""

import itertools

import numpy as np

from .. import backends, limits
from ..nn import losses
from ..training import metrics
from ..backends.mlp import describe
from ..training.checkpoint import load_checkpoint
from ..data.csvfile import parse_columns, parse_number, read_table, stream_table
from ..data.datasets import BUILTINS, builtin_shape, changed, load_dataset
from ..errors import CheckpointError, DataError, UserInputError, shorten
from ..files import display_path
from ..numbers import CELL_PADDING, read_number


class Model:
    """A trained MLP from a checkpoint dict (as load_checkpoint returns, or Trainer.checkpoint())."""

    def __init__(self, ckpt, source="model"):
        self.ckpt, self.source = ckpt, source
        self.config = ckpt["config"]
        self.sizes = list(ckpt["sizes"])
        self.params = np.asarray(ckpt["weights"], dtype=np.float64)
        data = ckpt["data"]
        self.task = data["task"]
        self.feature_names = list(data["feature_names"])
        self.class_names = None if data.get("class_names") is None else list(data["class_names"])
        self.target = data.get("target")
        self.mean = None if data.get("mean") is None else np.asarray(data["mean"], dtype=np.float64)
        self.std = None if data.get("std") is None else np.asarray(data["std"], dtype=np.float64)
        # a regression target standardized for training: predictions are turned back into its units
        self.target_mean, self.target_std = data.get("target_mean"), data.get("target_std")
        self.epoch = ckpt["epoch"]
        self.history = list(ckpt.get("history") or [])
        self.backend = backends.runnable_backend(self.config, self.n_features)  # its own engine, else the fast one

    @property
    def n_features(self):
        return self.sizes[0]

    @property
    def kept_epoch(self):
        """The epoch whose weights the model holds: the best one when early stopping
        stopped the run (its weights kept, as train's summary says), else the last."""
        stopper = self.ckpt.get("early_stopping")
        return stopper["best_epoch"] if stopper and stopper["stopped"] else self.epoch

    @property
    def title(self):
        """How eval, export and the figures name the model: 'MLP 2-8-1 (33 parameters)
        trained 60 epochs on xor', and ', weights from epoch 23' when early stopping kept
        an earlier epoch's weights than the last."""
        epochs = f"{self.epoch} epoch" + ("" if self.epoch == 1 else "s")
        kept = "" if self.kept_epoch == self.epoch else f", weights from epoch {self.kept_epoch}"
        return f"{describe(self.sizes)} trained {epochs} on {self.ckpt['data'].get('name', '?')}{kept}"

    @property
    def loss(self):
        return self.config["loss"]["name"]

    def standardize(self, X):
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.n_features)
        return X if self.mean is None else (X - self.mean) / self.std

    def outputs(self, X, backend=None):
        """The last layer's outputs (n × n_out) for raw inputs X (n × features).
        Inputs near the float64 limits may give inf or nan: returned as they are, silently."""
        with np.errstate(all="ignore"):
            X = self.standardize(X)
            if len(X) == 0:
                return np.empty((0, self.sizes[-1]))
            return (backend or self.backend).predict(self.params, X)

    def target_values(self, outputs):
        """A regression model's predictions in the target's units, from its outputs."""
        values = np.asarray(outputs, dtype=np.float64)[:, 0]
        return values if self.target_mean is None else values * self.target_std + self.target_mean

    def scaled_target(self, y):
        """Regression targets as the model was trained on them (standardized if they were)."""
        y = np.asarray(y, dtype=np.float64)
        return y if self.target_mean is None else (y - self.target_mean) / self.target_std

    def classes(self, outputs):
        return losses.predict_classes(outputs, self.config["model"]["output"])

    def probabilities(self, outputs):
        """Class probabilities (n × classes) for a loss with a link (bce's sigmoid,
        cross_entropy's softmax), else None."""
        return losses.probabilities(self.loss, outputs)

    def predict(self, X, backend=None):
        """Predictions for raw inputs X (n × features), as arrays: {"outputs" (n × n_out),
        "classes" (n class indices, -1 where an output is nan: no class wins; None for
        regression), "probabilities" (n × classes for a loss with a link, else None), and
        for regression "values" (the predictions in the target's units)}."""
        out = self.outputs(X, backend)
        if self.task == "regression":
            with np.errstate(all="ignore"):
                values = self.target_values(out)
            return {"outputs": out, "values": values, "classes": None, "probabilities": None}
        with np.errstate(all="ignore"):
            probs = self.probabilities(out)
        return {"outputs": out, "classes": metrics.classes(out, self.config["model"]["output"]),
                "probabilities": probs}

    def predictions(self, X, backend=None):
        """One dict per row: prediction (a class name or a number; None for a class when an
        output is nan), class (index or None), probabilities ({class: p} or None), outputs
        (the raw last layer)."""
        return self.rows(self.predict(X, backend))

    def rows(self, predicted):
        """predict()'s arrays as predictions()' dicts."""
        outputs = predicted["outputs"].tolist()
        if self.task == "regression":
            return [{"prediction": v, "class": None, "probabilities": None, "outputs": o}
                    for v, o in zip(predicted["values"].tolist(), outputs)]
        names = self.class_names
        classes = predicted["classes"].tolist()
        probs = [None] * len(outputs) if predicted["probabilities"] is None else [
            dict(zip(names, p)) for p in predicted["probabilities"].tolist()]
        return [{"prediction": None if c < 0 else names[c], "class": None if c < 0 else c,
                 "probabilities": p, "outputs": o} for o, c, p in zip(outputs, classes, probs)]


def fast_backend(model):
    """The quickest engine for many predictions (backends.FAST), whichever engine trained the model."""
    return backends.make_backend(model.config, model.n_features, backends.FAST)


def load_model(path):
    """A Model from a checkpoint file. Raises CheckpointError (exit 2)."""
    return Model(load_checkpoint(path), display_path(path))


# --- inputs -----------------------------------------------------------------------------

def read_rows(path, model, need_target=False):
    """Read a CSV whose header names the model's features (in any order) and, optionally,
    its target column. Returns (X raw n × features, y or None, line numbers).

    y holds class indices (classification) or numbers (regression). Missing or extra
    columns, ragged rows, non-numbers and unknown classes are DataErrors naming the
    file, the line and the column."""
    shown = display_path(path)
    header_line, header, body = read_table(path)
    features, target, t = _columns(model, header, f"{shown}, line {header_line}", need_target)
    X = parse_columns(body, header, features, shown)
    lines = [line for line, _ in body]
    y = None
    if need_target:
        y = _labels(model, [(line, row[t].strip()) for line, row in body], shown, target)
    return X, y, lines


def stream_rows(path, model, rows):
    """read_rows' features for a file of any size, a chunk at a time: an iterator of (X raw
    of at most `rows` rows, their line numbers). The header and the first chunk are read
    and checked before it is returned; a bad cell in a later chunk raises DataError when
    that chunk is reached (the chunks before it have been handed out)."""
    shown = display_path(path)
    header_line, header, chunks = stream_table(path, rows)
    features, _, _ = _columns(model, header, f"{shown}, line {header_line}", False)
    parsed = ((parse_columns(chunk, header, features, shown), [line for line, _ in chunk]) for chunk in chunks)
    first = next(parsed)
    return itertools.chain([first], parsed)


def _columns(model, header, where, need_target):
    """(the positions of the model's features in header, the target's name, its position
    or None), or DataError for a missing or unknown column."""
    features = ", ".join(model.feature_names)  # (the header has no repeated names)
    position = {name: j for j, name in enumerate(header)}
    known = set(model.feature_names)
    missing = [f for f in model.feature_names if f not in position]
    if missing:
        raise DataError(f"{where}: missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(shorten(m) for m in missing)} (the model's features are {features})")
    extra = [h for h in header if h not in known]
    target = model.target
    if target is None and len(extra) == 1:  # a checkpoint that does not name its target
        target = extra[0]
    for name in extra:
        if name != target:
            also = f"; the target column {shorten(target)} may be present" if target else ""
            raise DataError(f"{where}, column {shorten(name)}: not a feature of the model "
                            f"(its features are {features}{also})")
    has_target = target is not None and target in position
    if need_target and not has_target:
        name = shorten(target) if target else "column"
        raise DataError(f"{where}: no target {name} to compare the predictions with "
                        f"(the columns are {', '.join(header)})")
    return [position[f] for f in model.feature_names], target, position[target] if has_target else None


def _labels(model, labels, shown, column):
    if model.task == "regression":
        return np.array([parse_number(s, shown, line, column) for line, s in labels])
    names = model.class_names
    index = {n: i for i, n in enumerate(names)}
    numeric = {}  # a class named by a number (numbers.py's rule): "1.0" is the class "1"
    for i, n in enumerate(names):
        if read_number(n) is not None:
            numeric.setdefault(read_number(n), i)
    y = []
    for line, s in labels:
        found = index.get(s, numeric.get(read_number(s)))
        if found is None:
            raise DataError(f"{shown}, line {line}, column {shorten(column)}: unknown class "
                            f"{shorten(s)} (the model knows {', '.join(names)})")
        y.append(found)
    return np.array(y, dtype=int)


def parse_inputs(texts, model):
    """--input "2.0,3.0,-1.0" values (one sample each) as an array (n × features)."""
    X = np.empty((len(texts), model.n_features))
    for i, text in enumerate(texts):
        cells = text.split(",")
        if len(cells) != model.n_features:
            raise DataError(f"--input {i + 1} {shorten(text)}: expected {model.n_features} comma-separated "
                            f"numbers ({', '.join(model.feature_names)}), got {len(cells)}")
        for c, cell in enumerate(cells):
            try:  # numbers.py's rule, as in a CSV cell
                X[i, c] = parse_number(cell, "--input", i + 1, model.feature_names[c])
            except DataError:
                cell = cell.strip(CELL_PADDING)
                got = shorten(cell) if cell else "nothing"
                raise DataError(f"--input {i + 1} {shorten(text)}, column {shorten(model.feature_names[c])}: "
                                f"expected a finite number, got {got}") from None
    return X


# --- inputs out of range --------------------------------------------------------------------

def out_of_range(model, X):
    """A boolean per row of raw inputs X: True where the standardized inputs, or any
    layer's output before its activation (in the target's units too), are not all finite.
    On such a row the formats part ways (inf times a weight of 0 is nan, and each library
    orders its sums otherwise), so their predictions are not to be relied on; on every
    other row every export format agrees with predict."""
    from ..autograd.tensor import constant
    from ..nn import activations
    from .export import layers

    with np.errstate(all="ignore"):
        x = model.standardize(X)
        bad = ~np.isfinite(x).all(axis=1)
        for W, b, name in layers(model):
            x = x @ W.T + b
            bad |= ~np.isfinite(x).all(axis=1)
            act = activations.get(name)
            if not act.identity:  # the tensor engine's form, from the activation table
                x = act.tensor(constant(x)).data
    return bad


class OutOfRange:
    """Counts the rows out of range (out_of_range) as predictions are made, keeping the
    first MAX_SHOWN of their ids (line numbers, inputs or samples) for one line of warning."""

    MAX_SHOWN = 10

    def __init__(self, what):
        self.what, self.ids, self.count, self.rows = what, [], 0, 0

    def add(self, model, X, ids):
        bad = out_of_range(model, X)
        self.rows += len(bad)
        if bad.any():
            found = [i for i, b in zip(ids, bad.tolist()) if b]
            self.count += len(found)
            self.ids.extend(found[:self.MAX_SHOWN - len(self.ids)])
        return bad

    def message(self):
        """'2 of 150 rows are out of range: lines 3, 9 (...)' or None."""
        if not self.count:
            return None
        shown = ", ".join(str(i) for i in self.ids) + (
            f" (the first {len(self.ids)} of {self.count})" if self.count > len(self.ids) else "")
        what = self.what if self.count == 1 else self.what + "s"
        verb, them = ("is", "it") if self.count == 1 else ("are", "them")
        return (f"{self.count} of {self.rows} rows {verb} out of range: {what} {shown} (an input once "
                f"standardized, or a layer's output, is not a finite number; an exported model may predict "
                f"{them} otherwise)")


# --- the data a model was trained on ------------------------------------------------------

def training_data(model):
    """Rebuild the model's data set from its config, unstandardized: (Dataset, X raw).

    Raises CheckpointError when the data no longer fits the model (a CSV changed or moved)."""
    data_cfg = dict(model.config["data"], standardize=False)
    stored = model.ckpt["data"].get("fingerprint")
    if data_cfg["name"] in BUILTINS:  # refuse what cannot fit, or is not the data, before generating it
        rows = builtin_shape(data_cfg)[0]
        if stored is not None and stored["rows"] != rows:
            raise _not_the_data(model, data_cfg["name"], f"{stored['rows']} rows then, {rows} now")
        costs = limits.data_costs(data_cfg, *builtin_shape(data_cfg))
        for cost in costs:
            cost.field = "config." + cost.field  # the checkpoint's field
        limits.check(costs, model.source)
    try:
        ds = load_dataset(data_cfg, model.config["seed"])
    except DataError as e:
        raise DataError(f"{model.source}: cannot rebuild the data it was trained on: {e}") from None
    if ds.n_features != model.n_features or list(ds.feature_names) != model.feature_names:
        raise CheckpointError(f"{model.source}: the model takes {model.n_features} inputs "
                              f"({', '.join(model.feature_names)}), but {ds.name} now has {ds.n_features} "
                              f"({', '.join(ds.feature_names)})")
    if (ds.class_names is None) != (model.class_names is None) or (
            ds.class_names is not None and list(ds.class_names) != model.class_names):
        raise CheckpointError(f"{model.source}: {ds.name} no longer has the classes the model was trained on")
    change = changed(stored, ds)
    if change is not None:
        raise _not_the_data(model, ds.name, change)
    return ds, ds.X


def _not_the_data(model, name, change):
    return CheckpointError(f"{model.source}: {name} is not the data the model was trained on ({change}); "
                           f"its held-out rows would not be the ones held out in training")


# the rows `mgrad eval --split` measures a model on: its data's test rows (the default),
# its training rows, or all of them (the record's SPLITS are the rows an epoch reports on)
EVAL_SPLITS = ("test", "train", "all")


def split_rows(model, split="test"):
    """(X raw, y, what) for the held-out rows of the model's own data (or train/all).
    The test split falls back to the training rows, saying so, when nothing was held out."""
    ds, X = training_data(model)
    note = None
    if split == "test" and len(ds.test_idx) == 0:
        split, note = "train", "nothing was held out (data.test_split is 0)"
    idx = {"test": ds.test_idx, "train": ds.train_idx, "all": np.arange(len(X))}[split]
    what = {"test": f"the {len(idx)} held-out", "train": f"the {len(idx)} training", "all": f"all {len(idx)}"}[split]
    return X[idx], ds.y[idx], f"{what} samples of {ds.name}", note


# --- evaluation ---------------------------------------------------------------------

def evaluate(model, X, y):
    """The loss (on a standardized target when the model was trained on one) three ways:
    "loss", what training minimizes (l2 term included); "data_loss", without the l2 term,
    as train's table and summary report held-out rows; "l2_term", l2 * the sum of the
    squared weights (0 without l2). Then accuracy with a confusion matrix (rows: the true
    class, columns: the predicted one), or the MSE, MAE and R² in the target's units.

    A sample with a nan output has no class (as in predict): it counts as wrong, and
    `no_class` counts such samples per true class, beside the confusion matrix."""
    if len(X) == 0:
        raise DataError(f"{model.source}: no samples to evaluate on")
    n_out = model.sizes[-1]
    regression = model.task == "regression"
    T = losses.encode_targets(model.loss, model.scaled_target(y) if regression else y, n_out,
                              model.config["model"]["output"])
    with np.errstate(all="ignore"):  # inputs near the float64 limits: inf and nan, reported as they are
        Xs = model.standardize(X)
        loss, _, outputs = model.backend.loss_and_grad(model.params, Xs, T)
        result = {"samples": int(len(X)), "loss": float(loss), "data_loss": model.backend.data_loss(outputs, T),
                  "l2_term": float(model.backend.l2 * np.dot(model.params, model.params))}
        if regression:
            result.update(metrics.regression(model.target_values(outputs), y))
            return result
    pred = metrics.classes(outputs, model.config["model"]["output"])
    y = np.asarray(y, dtype=int)
    k = len(model.class_names)
    no_class = pred == metrics.NO_CLASS
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (y[~no_class], pred[~no_class]), 1)
    result["accuracy"] = metrics.accuracy(pred, y)
    result["correct"] = int(np.sum(pred == y))
    result["classes"] = list(model.class_names)
    result["confusion"] = confusion.tolist()
    result["no_class"] = np.bincount(y[no_class], minlength=k).tolist()
    return result

