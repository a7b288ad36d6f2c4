"""Data sets: the table of them all, and the Dataset that training reads (features,
targets, names, train/test split, standardization), built from a built-in (generated
from a seed by generators.py) or a CSV file (read by csvfile.py, or by pyarrow: csvarrow.py).

Every data set and every parameter is declared once, in the tables below: BUILTINS (a
generator and its parameters), CSV_PARAMS (a CSV file of the user's), SHIPPED_CSV_PARAMS
and COMMON_PARAMS, each parameter with its type, range and default (a Param). Config
validation (config.py), `mgrad datasets` and load_dataset all read them, so a new data set
or parameter is one entry. A CSV shipped in mgrad_cli/data/datasets/ (shipped.py) is a
data set of its own name: iris.csv is `data: {name: iris}`.
"""

import hashlib
import os
from dataclasses import dataclass, field

import numpy as np

from . import csvarrow, csvfile, generators, shipped
from . import names as _names
from ..errors import DataError
from ..files import check_path, display_path
from ..limits import MAX_CLASSES


# --- the table of data sets and their parameters ----------------------------------------

@dataclass(frozen=True)
class Param:
    """A data set parameter: its type (the name of a config._Validator check: integer, number,
    boolean, string, name (a string naming a column: names.py's rule), choice), its default,
    and what the check takes (minimum, maximum, open_ends, choices). A default of None means the setting may be null. `required` says
    what must be given instead when the setting is missing or null."""

    kind: str
    default: object = None
    limits: dict = field(default_factory=dict)
    required: str = None


@dataclass(frozen=True)
class Builtin:
    """A generated data set: make(rng=generator, **params) -> (X, y with labels 0..k-1),
    its parameters, and its class names (None: the labels as text). The first paragraph of
    make's docstring is its description in `mgrad datasets`."""

    make: object
    params: dict
    class_names: list = None
    samples: int = None  # how many it makes, without an n_samples parameter
    features: int = 2    # its features, without a features parameter

    @property
    def defaults(self):
        return {key: p.default for key, p in self.params.items()}

    @property
    def description(self):
        return " ".join(self.make.__doc__.strip().split("\n\n")[0].split())


def n_samples(default):
    return Param("integer", default, {"minimum": 4})


def noise(default):
    return Param("number", default, {"minimum": 0.0})


def classes(default):
    return Param("integer", default, {"minimum": 2, "maximum": MAX_CLASSES})


BUILTINS = {
    "tiny": Builtin(generators.tiny, {}, ["-1", "1"], samples=4, features=3),
    "xor": Builtin(generators.xor, {"n_samples": n_samples(100), "noise": noise(0.25)}),
    "moons": Builtin(generators.moons, {"n_samples": n_samples(100), "noise": noise(0.1)}),
    "circles": Builtin(generators.circles, {"n_samples": n_samples(100), "noise": noise(0.1),
                                 "factor": Param("number", 0.5, {"minimum": 0.0, "maximum": 1.0, "open_ends": True})}),
    "spiral": Builtin(generators.spiral, {"n_samples": n_samples(90), "noise": noise(0.2),
                               "classes": classes(3)}),
    "blobs": Builtin(generators.blobs, {"n_samples": n_samples(100), "noise": noise(1.0),
                             "classes": classes(3),
                             "features": Param("integer", 2, {"minimum": 1})}),
}

TASKS = ("auto", "classification", "regression")
CSV = "csv"  # data.name for a CSV file of the user's
CSV_PARAMS = {
    # the file (a header row, then data), relative to the config file
    "csv": Param("string", required="the path of the CSV file"),
    # the column to predict; null = the last column
    "target": Param("name"),
    # classification, regression, or auto (decided from the labels)
    "task": Param("choice", "auto", {"choices": TASKS}),
}
# a CSV shipped with mgrad (mgrad_cli/data/datasets/NAME.csv) is data set NAME
SHIPPED_CSV_PARAMS = {key: CSV_PARAMS[key] for key in ("target", "task")}
# settings of every data set
COMMON_PARAMS = {
    # rescale each feature (and a regression target) to mean 0, std 1, with the statistics
    # of the training rows
    "standardize": Param("boolean", False),
    # the fraction of the samples held out for the test metrics
    "test_split": Param("number", 0.0, {"minimum": 0.0, "maximum": 1.0, "open_ends": (False, True)}),
    # the fraction of the training rows held out for validation (early stopping watches
    # them); the test rows stay untouched
    "val_split": Param("number", 0.0, {"minimum": 0.0, "maximum": 1.0, "open_ends": (False, True)}),
}


def names():
    """Every data.name: the built-ins, the shipped CSVs (a built-in's name wins), then csv."""
    return tuple(BUILTINS) + tuple(shipped_csv_names()) + (CSV,)


def shipped_csv_names():
    return [name for name in shipped.csv_names() if name not in BUILTINS and name != CSV]


def parameters(name):
    """The parameters data set `name` takes of its own (COMMON_PARAMS apart), in order."""
    if name == CSV:
        return CSV_PARAMS
    return BUILTINS[name].params if name in BUILTINS else SHIPPED_CSV_PARAMS


def setting_names():
    """Every key a data section may hold: name, the common settings, then the others."""
    own = {key for b in BUILTINS.values() for key in b.params}
    return ("name",) + tuple(COMMON_PARAMS) + tuple(CSV_PARAMS) + tuple(sorted(own - set(CSV_PARAMS)))


def builtin_shape(data_cfg):
    """(samples, features) of the built-in data set a resolved `data` section describes,
    known before it is generated."""
    builtin = BUILTINS[data_cfg["name"]]
    return data_cfg.get("n_samples", builtin.samples), data_cfg.get("features", builtin.features)


# --- a data set ready for training ---------------------------------------------------

class Dataset:
    """Features X (float64, n × d, standardized if asked), targets y (class indices for
    classification, floats for regression, standardized if asked), names, and seeded
    train/validation/test splits (index arrays into X).

    `mean` and `std` are the features' standardization statistics (from the training rows
    only), or None: predict applies the same (x - mean) / std to new inputs. A regression
    target standardized the same way keeps `target_mean` and `target_std`, so predictions
    are turned back into the target's units (raw_target). `fingerprint` identifies the
    data (data_fingerprint()); by default that of X as given.
    """

    def __init__(self, name, X, y, task, class_names, feature_names, train_idx, test_idx,
                 mean=None, std=None, target="y", fingerprint=None, val_idx=None, target_mean=None,
                 target_std=None):
        self.name, self.X, self.y, self.task = name, X, y, task
        self.target = target  # the name of the target column (a CSV's header; "y" for a built-in)
        self.class_names, self.feature_names = class_names, feature_names
        self.train_idx, self.test_idx = train_idx, test_idx
        self.val_idx = np.arange(0) if val_idx is None else val_idx
        self.mean, self.std = mean, std
        self.fingerprint = fingerprint or data_fingerprint(X, y, train_idx, test_idx)
        self.target_mean, self.target_std = target_mean, target_std

    @property
    def n_classes(self):
        return len(self.class_names) if self.class_names is not None else 0

    @property
    def n_features(self):
        return self.X.shape[1]

    def rows(self, split):
        """(X, y) of 'train', 'val' or 'test'."""
        idx = {"train": self.train_idx, "val": self.val_idx, "test": self.test_idx}[split]
        return self.X[idx], self.y[idx]

    @property
    def X_raw(self):
        """The features as read: the standardization undone."""
        return self.X if self.mean is None else self.X * self.std + self.mean

    @property
    def X_train(self):
        return self.X[self.train_idx]

    @property
    def y_train(self):
        return self.y[self.train_idx]

    @property
    def X_test(self):
        return self.X[self.test_idx]

    @property
    def y_test(self):
        return self.y[self.test_idx]

    @property
    def is_test(self):
        """A boolean per sample: True for the held-out ones."""
        mask = np.zeros(len(self.X), dtype=bool)
        mask[self.test_idx] = True
        return mask

    def raw_target(self, values):
        """Regression targets or predictions in the target's own units (standardization undone)."""
        values = np.asarray(values, dtype=np.float64)
        return values if self.target_mean is None else values * self.target_std + self.target_mean

    def __repr__(self):
        val = f" / {len(self.val_idx)} val" if len(self.val_idx) else ""
        return (f"Dataset({self.name!r}, {len(self.X)} samples, {self.n_features} features, "
                f"{len(self.train_idx)} train{val} / {len(self.test_idx)} test)")


def load_dataset(data_cfg, seed):
    """Build the Dataset a resolved config's `data` section describes.

    Seeds: generation draws from RandomState(seed) (scikit-learn's stream: generators.py), the
    test split from default_rng([seed, 1]) and the validation split (out of the training
    rows) from default_rng([seed, 3]), so changing test_split never changes the points,
    and changing val_split never changes the test rows.
    """
    name = data_cfg["name"]
    if name in BUILTINS:
        X, y, class_names = _generate(BUILTINS[name], name, data_cfg, seed)
        task, feature_names, label, target = "classification", [f"x{i}" for i in range(X.shape[1])], name, "y"
    elif name == CSV:
        check_path(data_cfg["csv"], DataError)  # a NUL is the path's problem first
        label = os.path.basename(data_cfg["csv"])
        refused = _names.problem(label, "the file name")
        if refused:  # it names the data set in every title
            raise DataError(f"{display_path(data_cfg['csv'])}: {refused}")
        X, y, task, class_names, feature_names, target = csvarrow.load_csv(
            data_cfg["csv"], data_cfg.get("target"), data_cfg.get("task", "auto"))
    else:
        with shipped.csv_file(name) as path:
            X, y, task, class_names, feature_names, target = csvarrow.load_csv(
                path, data_cfg.get("target"), data_cfg.get("task", "auto"), shown=name)
        label = name

    labels = y if task == "classification" else None  # the splits are stratified by class
    train_idx, test_idx = split(labels, len(X), data_cfg.get("test_split", 0.0), np.random.default_rng([seed, 1]))
    identity = data_fingerprint(X, y, train_idx, test_idx)  # of the raw features
    keep, val = split(None if labels is None else labels[train_idx], len(train_idx),
                      data_cfg.get("val_split", 0.0), np.random.default_rng([seed, 3]))
    train_idx, val_idx = train_idx[keep], train_idx[val]
    mean = std = target_mean = target_std = None
    if data_cfg.get("standardize"):
        where = display_path(data_cfg["csv"]) if name == CSV else name
        X, mean, std = _standardize(X, train_idx, feature_names, where)
        if task == "regression":
            y, target_mean, target_std = _standardize(y.reshape(-1, 1), train_idx, [target], where)
            y, target_mean, target_std = y[:, 0], float(target_mean[0]), float(target_std[0])
    return Dataset(label, X, y, task, class_names, feature_names, train_idx, test_idx, mean, std, target,
                   fingerprint=identity, val_idx=val_idx, target_mean=target_mean, target_std=target_std)


def _standardize(X, train_idx, columns, where):
    """(X - mean) / std column by column with the training rows' statistics: (X, mean, std).
    Raises DataError naming the column when a statistic or a value is not finite."""
    with np.errstate(all="ignore"):  # values near the float limit overflow: refused below
        mean = X[train_idx].mean(axis=0)
        std = X[train_idx].std(axis=0)
        std[std == 0] = 1.0  # a constant column stays constant instead of becoming nan
        X = (X - mean) / std
    for j, column in enumerate(columns):
        what = ("mean" if not np.isfinite(mean[j]) else "standard deviation" if not np.isfinite(std[j])
                else "standardized value" if not np.all(np.isfinite(X[:, j])) else None)
        if what is not None:
            raise DataError(f"{where}, column '{column}': too large to standardize (the {what} is not a "
                            f"finite number); rescale the column or set data.standardize: false")
    return X, mean, std


def data_fingerprint(X, y, train_idx, test_idx):
    """What identifies the data a model was trained on: {"rows": n, "sha256": the hash of
    the raw features, the targets and the split, in order}. A file reordered, edited or
    split otherwise gives another hash."""
    h = hashlib.sha256()
    for array, dtype in ((X, "<f8"), (y, "<f8"), (train_idx, "<i8"), (test_idx, "<i8")):
        array = np.ascontiguousarray(array, dtype=dtype)  # one byte order on every machine
        h.update(repr(array.shape).encode("ascii"))
        h.update(array.tobytes())
    return {"rows": int(len(X)), "sha256": h.hexdigest()}


def changed(stored, dataset):
    """How `dataset` differs from the data a checkpoint's fingerprint describes, in a few
    words, or None when it is the same (or the checkpoint has no fingerprint)."""
    if stored is None or stored == dataset.fingerprint:
        return None
    now = dataset.fingerprint["rows"]
    if stored["rows"] != now:
        return f"{stored['rows']} rows then, {now} now"
    return f"the same number of rows, {now}, but other values, order or split"


def _generate(builtin, name, data_cfg, seed):
    """A built-in's (X, y, class names) for the config's parameters, from RandomState(seed)."""
    kwargs = {k: data_cfg[k] for k in builtin.params}
    with np.errstate(all="ignore"):  # a huge noise overflows: refused just below
        X, y = builtin.make(rng=np.random.RandomState(seed), **kwargs)
    X = np.asarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        hint = "use a smaller data.noise" if "noise" in kwargs else "check the data settings"
        raise DataError(f"{name}: the generated features are not all finite numbers; {hint}")
    class_names = builtin.class_names
    if class_names is None:
        class_names = [str(c) for c in range(int(y.max()) + 1)]
    return X, y, class_names


def split(y, n, test_split, rng):
    """Seeded (kept, held-out) indices of n rows (sorted). With class labels y the split is
    stratified: each class holds round(test_split * its count) back, and keeps at least one."""
    if not test_split:
        return np.arange(n), np.arange(0)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if y is not None else [np.arange(n)]
    test = []
    for idx in groups:
        k = min(int(round(test_split * len(idx))), len(idx) - 1)
        test.extend(rng.permutation(idx)[:k].tolist())
    test = np.array(sorted(test), dtype=int)
    train = np.setdiff1d(np.arange(n), test)
    return train, test


# --- what `mgrad datasets` lists -----------------------------------------------------

def builtin_info():
    """One dict per built-in: name, params (defaults), samples, features, classes, description."""
    info = []
    for name, builtin in BUILTINS.items():
        X, y = builtin.make(rng=np.random.RandomState(0), **builtin.defaults)
        info.append({
            "name": name,
            "params": builtin.defaults,
            "samples": int(X.shape[0]),
            "features": int(X.shape[1]),
            "classes": int(np.max(y)) + 1,
            "description": builtin.description,
        })
    return info


def shipped_csvs():
    """One dict per shipped CSV data set (csvfile.summary): name, file, path, rows, columns,
    target (the last column, the default), task, classes (None for a regression target)."""
    found = []
    for name in shipped_csv_names():
        with shipped.csv_file(name) as path:
            found.append(csvfile.summary(path, name))
    return found
