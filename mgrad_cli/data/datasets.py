"""Data sets: the built-ins (generated with numpy from a seed), CSV files, and the
Dataset that training reads (features, targets, names, train/test split, standardization).

Every data set and every parameter is declared once, in the tables below: BUILTINS (a
generator and its parameters), CSV_PARAMS (a CSV file of the user's), SHIPPED_CSV_PARAMS
and COMMON_PARAMS, each parameter with its type, range and default (a Param). Config
validation (config.py), `mgrad datasets` and load_dataset all read them, so a new data set
or parameter is one entry. A CSV shipped in mgrad_cli/data/datasets/ (shipped.py) is a
data set of its own name: iris.csv is `data: {name: iris}`.
"""

import csv
import difflib
import hashlib
import os
from operator import itemgetter
from dataclasses import dataclass, field

import numpy as np

from . import shipped
from ..errors import DataError, shorten
from ..files import bounded_lines, display_path, open_user_file
from ..limits import MAX_CLASSES, MAX_CSV_COLUMNS


# The generators draw from a numpy RandomState (the legacy Mersenne Twister stream that
# scikit-learn uses) in scikit-learn's order: moons, circles and blobs give exactly the
# points and labels of sklearn.datasets.make_moons / make_circles / make_blobs with
# random_state=seed (blobs: center_box=(-5, 5), cluster_std=noise).

def _shuffled(X, y, rng):
    """X and y in one random order, drawn as scikit-learn's utils.shuffle draws it."""
    order = np.arange(len(X))
    rng.shuffle(order)
    return X[order], y[order]


def _two_rings(outer, inner, noise, rng):
    """Points (x, y) of two groups, labels 0 then 1, shuffled, then Gaussian noise added."""
    X = np.vstack([np.append(outer[0], inner[0]), np.append(outer[1], inner[1])]).T
    y = np.hstack([np.zeros(len(outer[0]), dtype=int), np.ones(len(inner[0]), dtype=int)])
    X, y = _shuffled(X, y, rng)
    return X + rng.normal(scale=noise, size=X.shape), y


def moons(n_samples=100, noise=0.1, rng=None):
    """Two interleaving half circles (scikit-learn's make_moons, same points for a seed); labels 0 and 1."""
    rng = rng if rng is not None else np.random.RandomState(0)
    t_out = np.linspace(0, np.pi, n_samples // 2)
    t_in = np.linspace(0, np.pi, n_samples - n_samples // 2)
    return _two_rings((np.cos(t_out), np.sin(t_out)), (1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5), noise, rng)


def circles(n_samples=100, noise=0.1, factor=0.5, rng=None):
    """A small circle inside a big one (scikit-learn's make_circles, same points for a seed); label 1 inside."""
    rng = rng if rng is not None else np.random.RandomState(0)
    t_out = np.linspace(0, 2 * np.pi, n_samples // 2, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_samples - n_samples // 2, endpoint=False)
    return _two_rings((np.cos(t_out), np.sin(t_out)), (np.cos(t_in) * factor, np.sin(t_in) * factor), noise, rng)


def blobs(n_samples=100, noise=1.0, classes=3, features=2, rng=None):
    """Gaussian clusters (scikit-learn's make_blobs, same points for a seed): centres uniform
    in [-5, 5]^features, standard deviation `noise`."""
    rng = rng if rng is not None else np.random.RandomState(0)
    centres = rng.uniform(-5.0, 5.0, size=(classes, features))
    counts = [n_samples // classes + (i < n_samples % classes) for i in range(classes)]
    X = np.vstack([rng.normal(loc=centres[i], scale=noise, size=(n, features)) for i, n in enumerate(counts)])
    y = np.repeat(np.arange(classes), counts)
    return _shuffled(X, y, rng)


# --- the other built-ins --------------------------------------------------------------

def tiny(rng=None):
    """The lecture's four samples: three inputs each, targets 1, -1, -1, 1."""
    X = np.array([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
    targets = np.array([1.0, -1.0, -1.0, 1.0])
    return X, (targets > 0).astype(int)  # class 0 is -1, class 1 is +1


def xor(n_samples=100, noise=0.25, rng=None):
    """Four Gaussian clusters at (±1, ±1); label 1 where the signs differ (x0 XOR x1)."""
    rng = rng if rng is not None else np.random.RandomState(0)
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n_samples) % 4
    X = corners[which] + rng.normal(scale=noise, size=(n_samples, 2))
    return _shuffled(X, (which >= 2).astype(int), rng)


def spiral(n_samples=90, noise=0.2, classes=3, rng=None):
    """Interleaved spiral arms, one per class (as in Stanford's CS231n notes).

    Arm j: radius r from 0 to 1, angle 4j + 4r radians plus Gaussian noise on the angle.
    """
    rng = rng if rng is not None else np.random.RandomState(0)
    which = np.arange(n_samples) % classes
    X = np.empty((n_samples, 2))
    for j in range(classes):
        idx = np.flatnonzero(which == j)
        r = np.linspace(0.0, 1.0, len(idx))
        t = np.linspace(j * 4.0, (j + 1) * 4.0, len(idx)) + rng.normal(scale=noise, size=len(idx))
        X[idx] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return _shuffled(X, which, rng)


# --- the table of data sets and their parameters ----------------------------------------

@dataclass(frozen=True)
class Param:
    """A data set parameter: its type (the name of a config._Validator check: integer, number,
    boolean, string, choice), its default, and what the check takes (minimum, maximum,
    open_ends, choices). A default of None means the setting may be null. `required` says
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
    "tiny": Builtin(tiny, {}, ["-1", "1"], samples=4, features=3),
    "xor": Builtin(xor, {"n_samples": n_samples(100), "noise": noise(0.25)}),
    "moons": Builtin(moons, {"n_samples": n_samples(100), "noise": noise(0.1)}),
    "circles": Builtin(circles, {"n_samples": n_samples(100), "noise": noise(0.1),
                                 "factor": Param("number", 0.5, {"minimum": 0.0, "maximum": 1.0, "open_ends": True})}),
    "spiral": Builtin(spiral, {"n_samples": n_samples(90), "noise": noise(0.2),
                               "classes": classes(3)}),
    "blobs": Builtin(blobs, {"n_samples": n_samples(100), "noise": noise(1.0),
                             "classes": classes(3),
                             "features": Param("integer", 2, {"minimum": 1})}),
}

TASKS = ("auto", "classification", "regression")
CSV = "csv"  # data.name for a CSV file of the user's
CSV_PARAMS = {
    # the file (a header row, then data), relative to the config file
    "csv": Param("string", required="the path of the CSV file"),
    # the column to predict; null = the last column
    "target": Param("string"),
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

    Seeds: generation draws from RandomState(seed) (scikit-learn's stream, see above), the
    test split from default_rng([seed, 1]) and the validation split (out of the training
    rows) from default_rng([seed, 3]), so changing test_split never changes the points,
    and changing val_split never changes the test rows.
    """
    name = data_cfg["name"]
    if name in BUILTINS:
        X, y, class_names = _generate(BUILTINS[name], name, data_cfg, seed)
        task, feature_names, label, target = "classification", [f"x{i}" for i in range(X.shape[1])], name, "y"
    elif name == CSV:
        X, y, task, class_names, feature_names, target = _read_csv(
            data_cfg["csv"], data_cfg.get("target"), data_cfg.get("task", "auto"))
        label = os.path.basename(data_cfg["csv"])
    else:
        with shipped.csv_file(name) as path:
            X, y, task, class_names, feature_names, target = _read_csv(
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


# --- CSV files ------------------------------------------------------------------------

def read_table(path, shown=None):
    """A CSV file's header and data rows: (header line, header cells stripped, [(line, row), ...]).

    Blank lines are skipped; line numbers are the file's (1-based). Raises DataError naming
    the file (as `shown`, by default its display_path) for a missing, unreadable, empty or
    header-only file, and the line and column for an empty or repeated column name.
    """
    shown = shown or display_path(path)
    with open_user_file(path, DataError, "CSV file", newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(bounded_lines(f, path, DataError, "CSV file"))
        try:  # (line number, row); reader.line_num is the line a row ends on
            numbered = [(reader.line_num, row) for row in reader if "".join(row).strip()]
        except csv.Error as e:
            raise DataError(f"{shown}: not a valid CSV file ({e})") from None

    if not numbered:
        raise DataError(f"{shown}: the file is empty (expected a header row, then data)")
    (header_line, header), body = numbered[0], numbered[1:]
    header = [h.strip() for h in header]
    _check_header(header, shown, header_line)
    if not body:
        raise DataError(f"{shown}: no data rows after the header")
    return header_line, header, body


def _check_header(header, shown, line):
    """Columns are found by name: each needs its own, and the header must be names."""
    where = f"{shown}, line {line}"
    if len(header) > MAX_CSV_COLUMNS:
        raise DataError(f"{where}: {len(header):,} columns, more than the limit of {MAX_CSV_COLUMNS:,}")
    first = {}
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{where}, column {j + 1}: the column has no name")
        if first.setdefault(name, j) != j:
            raise DataError(f"{where}, column {shorten(name)}: the column appears twice")
    # numbers in all but at most one column (the target may be a class name), other than
    # column positions (pandas names unnamed columns 0, 1, 2, ...): a row of data
    numbers = [name for name in header if _is_float(name)]
    positions = {str(j + start) for j in range(len(header)) for start in (0, 1)}
    if len(header) >= 2 and len(numbers) >= len(header) - 1 and not set(numbers) <= positions:
        shown_numbers = ", ".join(shorten(n)[1:-1] for n in numbers[:3]) + (", ..." if len(numbers) > 3 else "")
        raise DataError(f"{where}: the first row holds numbers ({shown_numbers}), not column names; the file "
                        f"needs a header row naming its columns first (such as x1,x2,label)")


def parse_columns(body, header, columns, shown):
    """The numbers in these columns (indices into header) of every body row, as an array
    (rows × columns), parsed by numpy in one go. A ragged row, or a cell that is not a
    finite number, is a DataError naming the file, line and column of the first one, as
    reading the cells one by one would find it."""
    ragged = next((r for r, (_, row) in enumerate(body) if len(row) != len(header)), len(body))
    rows = body[:ragged]
    try:
        with np.errstate(all="ignore"):
            cells = itemgetter(*columns)  # (one cell, not a tuple, for one column: reshaped below)
            X = np.array([cells(row) for _, row in rows], dtype=np.float64).reshape(len(rows), len(columns))
        bad = not np.all(np.isfinite(X))
    except ValueError:
        bad = True
    if bad:  # find the first offending cell, and say what is wrong with it
        for line, row in rows:
            for j in columns:
                parse_number(row[j], shown, line, header[j])
    if ragged < len(body):
        line, row = body[ragged]
        raise DataError(f"{shown}, line {line}: expected {len(header)} columns as in the header, got {len(row)}")
    return X


def parse_number(cell, shown, line, column):
    """A finite float from a CSV cell, or DataError('file, line L, column 'name': ...')."""
    cell = cell.strip()
    try:
        value = float(cell)
    except ValueError:
        got = shorten(cell) if cell else "an empty cell"
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: expected a number, got {got}") from None
    if not np.isfinite(value):
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: expected a finite number, got "
                        f"{shorten(cell)}")
    return value


# task auto: whole-number labels with more different values than this are more likely a
# quantity (a count, a score) than classes; the user is asked to say which
MAX_AUTO_CLASSES = 20


def read_csv(path, target=None, task="auto"):
    """Read a CSV with a header row: numeric features, a target column (default: the last).

    Labels that are not all numbers are classes (named as in the file, sorted); numeric
    labels are classes when they are all whole numbers (task auto; more than
    MAX_AUTO_CLASSES of them is an error asking for data.task), else a regression
    target. Errors name the file, the line and the column.
    Returns (X, y, task, class_names, feature_names).
    """
    return _read_csv(path, target, task)[:5]


def _read_csv(path, target, task, shown=None):
    """read_csv's results and the target column's name; errors name the file as `shown`."""
    shown = shown or display_path(path)
    header_line, header, body = read_table(path, shown)
    if len(header) < 2:
        raise DataError(f"{shown}, line {header_line}: expected a header with at least two "
                        f"columns (features and a target), got {len(header)}")
    if target is None:
        t = len(header) - 1
    elif target in header:
        t = header.index(target)
    else:
        hint = difflib.get_close_matches(target, header, n=1)
        hint = f"did you mean '{hint[0]}'?" if hint else f"the columns are {', '.join(header)}"
        raise DataError(f"{shown}: no column named '{target}' for data.target ({hint})")

    features = [j for j in range(len(header)) if j != t]
    X = parse_columns(body, header, features, shown)
    labels = [_label(row[t], shown, line, header[t]) for line, row in body]

    feature_names = [header[j] for j in features]
    numeric = _all_numbers(labels)
    if task == "regression":
        if numeric is None:
            bad = next(i for i, s in enumerate(labels) if not _is_number(s))
            raise DataError(f"{shown}, line {body[bad][0]}, column {shorten(header[t])}: a regression "
                            f"target must be a number, got {shorten(labels[bad])}")
        return X, numeric, "regression", None, feature_names, header[t]
    if task == "auto" and numeric is not None and not np.all(numeric == np.round(numeric)):
        return X, numeric, "regression", None, feature_names, header[t]
    if task == "auto" and numeric is not None and len(set(numeric.tolist())) > MAX_AUTO_CLASSES:
        raise DataError(f"{shown}: column '{header[t]}' holds {len(set(numeric.tolist()))} different whole "
                        f"numbers: set data.task: regression to predict it as a number, or data.task: "
                        f"classification to take each number as a class")
    if numeric is not None:  # whole numbers: sort as numbers (2 before 10), name as written
        keys = sorted(set(numeric.tolist()))
        class_names = [_number_name(k) for k in keys]
        y = np.array([keys.index(v) for v in numeric.tolist()], dtype=int)
    else:
        class_names = sorted(set(labels))
        y = np.array([class_names.index(s) for s in labels], dtype=int)
    if len(class_names) < 2:
        raise DataError(f"{shown}: column '{header[t]}' has a single class ({class_names[0]}); "
                        f"a classifier needs at least two")
    return X, y, "classification", class_names, feature_names, header[t]


def _label(cell, shown, line, column):
    """A target cell: a class name or a number; never empty, nan or infinite (a missing
    value must not become a class of its own)."""
    cell = cell.strip()
    if not cell:
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: the target is empty")
    if _is_float(cell) and not _is_number(cell):
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: expected a class name or a finite "
                        f"number as the target, got {shorten(cell)}")
    return cell


def _is_float(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def _is_number(s):
    try:
        return np.isfinite(float(s))
    except ValueError:
        return False


def _all_numbers(labels):
    if not all(_is_number(s) for s in labels):
        return None
    return np.array([float(s) for s in labels])


def _number_name(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


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
    """One dict per shipped CSV data set: name, file, path, rows, columns, target (the last
    column, the default), task, classes (None for a regression target)."""
    found = []
    for name in shipped_csv_names():
        with shipped.csv_file(name) as path:
            _, header, body = read_table(path, name)
            labels = {row[-1].strip() for _, row in body if row}
            numbers = _all_numbers(sorted(labels))
            regression = numbers is not None and (len(labels) > MAX_AUTO_CLASSES or np.any(numbers != np.round(numbers)))
            found.append({
                "name": name,
                "file": os.path.basename(path),
                "path": display_path(path),
                "rows": len(body),
                "columns": len(header),
                "target": header[-1],
                "task": "regression" if regression else "classification",
                "classes": None if regression else len(labels),
            })
    return found
