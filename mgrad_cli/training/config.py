"""Training configs: the defaults, the schema, and loading a YAML file into a resolved dict.

A config file holds only what it changes; load_config fills in everything else from
DEFAULTS below, expands the short forms (`loss: mse` is `loss: {name: mse}`), and checks
every field, so the dict it returns is complete and valid. validate_config does the
same for a dict (a config stored in a checkpoint is checked again this way).

Errors are one line, naming the file and the field path:
    configs/x.yaml: model.layers[1]: expected a positive integer, got -4
"""

import copy
import difflib
import math
import os
import re
import shlex

from .. import backends, limits
from ..data import datasets, names, shipped
from ..nn import activations, losses, optim
from . import overrides as set_overrides, strict_yaml
from ..errors import ConfigError, kind, shorten, show
from ..files import display_path, open_user_file, read_bounded
from ..limits import MAX_LAYERS

# --- the defaults, in one place -------------------------------------------------------

DEFAULTS = {
    "seed": 0,                  # seeds everything: the data, the split, the weights, the batch order
    "engine": "scalar",         # scalar (a Value per number, the lecture's engine), tensor (numpy), torch: backends/
    "device": "auto",           # where the engine computes: cpu, or cuda (a GPU, the torch engine); auto: a GPU if any
    "dtype": "auto",            # float64, or float32 (the torch engine); auto: float64 on the CPU, float32 on a GPU
    "data": {
        "name": "moons",        # a built-in (tiny, xor, moons, ...) or csv; `mgrad datasets` lists them
        # every data set's settings, with their types, ranges and defaults, are declared with
        # it in datasets.py (BUILTINS, CSV_PARAMS, COMMON_PARAMS)
    },
    "model": {
        "layers": [16, 16, 1],  # layer sizes after the input (the input size comes from the data)
        "activation": "relu",   # hidden layers: tanh, relu, sigmoid, linear (activations.ACTIVATIONS)
        "output": "linear",     # the last layer: tanh, relu, sigmoid, linear
    },
    "loss": {
        "name": "hinge",        # mse, hinge (max-margin, ±1), bce (logistic), cross_entropy (softmax): losses.py
        "l2": 0.0,              # adds l2 * sum(p*p) over all parameters
    },
    "optimizer": {
        "name": "sgd",          # sgd, momentum, adam: optim.OPTIMIZERS, with each one's settings and defaults
        "lr": None,             # learning rate; null = the optimizer's default
        # momentum takes `momentum`; adam takes `betas` and `eps`
        "schedule": {"name": "constant"},  # how lr changes with the epoch (SCHEDULES below)
    },
    "epochs": 100,              # passes over the training data
    "batch_size": None,         # samples per update; null = the full batch (one update per epoch)
    "early_stopping": None,     # {patience, min_delta}: stop when the validation loss stops
                                # improving (needs data.val_split); null = train every epoch
}
# early_stopping's settings: stop after `patience` epochs in a row without the validation
# loss falling below its best so far by more than `min_delta`, and keep the best weights
EARLY_STOPPING = {"patience": 10, "min_delta": 0.0}

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("auto", "float64", "float32")
# lr at epoch k (0-based) of E epochs, for base learning rate lr:
SCHEDULES = {
    "constant": {},                                # lr
    "linear": {"end": 0.0},                        # lr * (1 - (1 - end) * k / E)
    "step": {"every": 30, "gamma": 0.1},           # lr * gamma ** (k // every)
    "cosine": {"end": 0.0},                        # lr * (end + (1 - end) * (1 + cos(pi k / E)) / 2)
}


# --- loading --------------------------------------------------------------------------

def load_config(path, overrides=None, sets=(), here=True):
    """Read a YAML config, apply `sets` (--set: overrides.Override, in order), then
    overrides ({'epochs': 5, 'optimizer.lr': 0.1, ...}: the command's own options) and
    return the resolved config. A CSV path is made absolute, relative to the config file.
    A problem with a setting a --set gave names that --set (overrides.attribute).
    `here`: the config is to run on this machine, so a device it lacks is refused (a GPU
    where PyTorch sees none) as a setting of the file or a --set is; False to read a
    config only (one that ran elsewhere).

    `path` is a file, or the name of a shipped config (`moons`: shipped.config_names())
    when no file has that name: a file of the same name wins."""
    source = display_path(path)
    text, base = _config_text(path, source)
    raw = strict_yaml.load(text, source)
    if raw is None:
        raw = {}  # an empty file: every default
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of settings (key: value) at the top level, "
                          f"got {kind(raw)}")
    raw = copy.deepcopy(raw)
    set_overrides.apply(raw, sets)
    for key, value in (overrides or {}).items():
        _set_path(raw, key, value)
    try:
        config = validate_config(raw, source, base=base)
        problem = backends.backend_class(config["engine"]).unavailable(config["device"]) if here else None
        if problem:
            _Validator(source).fail("device", problem)
    except ConfigError as e:
        raise set_overrides.attribute(e, sets, later=tuple(overrides or ())) from None
    csv_path = config["data"].get("csv")
    if csv_path is not None and not os.path.isabs(csv_path):
        if any(o.key == "data.csv" or o.key == "data" and isinstance(o.value, dict) for o in sets):
            base = os.getcwd()  # typed on the command line: relative to where it was typed
        config["data"]["csv"] = os.path.normpath(os.path.join(base, csv_path))
    if config["data"]["name"] in datasets.BUILTINS:  # its size is known now: refuse what cannot fit
        limits.check(limits.training_costs(config, *datasets.builtin_shape(config["data"])), source)
    return config


def _config_text(path, source):
    """(the config's text, the directory its relative paths start from): the file at `path`,
    else the shipped config of that name (from the working directory)."""
    name = str(path)
    if not os.path.lexists(name):
        if name in shipped.config_names():
            return shipped.config_text(name), os.getcwd()
        raise ConfigError(f"{source}: {_missing(name)}")
    with open_user_file(path, ConfigError, "config file", mode="rb") as f:
        text = read_bounded(f, path, ConfigError, "config file").decode("utf-8")
    return text, os.path.dirname(os.path.abspath(path))


def _missing(name):
    """Why `name` is neither a file nor a shipped config, with the shipped names."""
    names = shipped.config_names()
    stem = os.path.splitext(os.path.basename(name))[0]
    if os.path.basename(name) != name or name.endswith((".yaml", ".yml")):
        return f"no such file (the shipped config {stem} is used by its name alone: {stem})" if stem in names \
            else "no such file"
    return f"no such file, nor a shipped config ({shipped.config_hint(name)})"


def _set_path(raw, dotted, value):
    """raw['a']['b'] = value for 'a.b', expanding a short form ('optimizer: adam') on the way.
    A section of any other kind (a list, a number) is left as it is, for validate_config to
    refuse: the override must not replace it with one that looks valid."""
    keys = dotted.split(".")
    node = raw
    for key in keys[:-1]:
        node = set_overrides.section(node, key)
        if node is None:
            return
    node[keys[-1]] = value


# --- validation -----------------------------------------------------------------------

def validate_config(raw, source, prefix="", base=None):
    """Check a config dict against the schema; return it resolved (defaults filled, short
    forms expanded). Raises ConfigError naming `source` and the field path (after
    `prefix`: "config." for the config inside a checkpoint). `base`: the folder the
    config's relative paths start from, if it has one."""
    v = _Validator(source, prefix, base)
    raw = v.mapping(raw, "", tuple(DEFAULTS))
    get = lambda key: raw.get(key, DEFAULTS[key])  # noqa: E731
    config = {
        "seed": v.integer(get("seed"), "seed", minimum=0, maximum=2 ** 32 - 1),  # numpy's RandomState takes 32 bits
        "engine": v.choice(get("engine"), "engine", backends.names()),
        "device": v.choice(get("device"), "device", DEVICES),
        "dtype": v.choice(get("dtype"), "dtype", DTYPES),
        "data": _data(v, raw.get("data", {})),
        "model": _model(v, raw.get("model", {})),
        "loss": _loss(v, raw.get("loss", {})),
        "optimizer": _optimizer(v, raw.get("optimizer", {})),
        "epochs": v.integer(get("epochs"), "epochs", minimum=1),
        "batch_size": None if get("batch_size") is None else v.integer(get("batch_size"), "batch_size", minimum=1),
        "early_stopping": _early_stopping(v, get("early_stopping")),
    }
    if config["early_stopping"] is not None and not config["data"]["val_split"]:
        v.fail("early_stopping", "needs validation rows to watch: set data.val_split (the fraction of the "
                                 "training rows to hold out, e.g. 0.2)")
    problem = losses.output_problem(config["loss"]["name"], config["model"]["output"])
    if problem is not None:
        v.fail("model.output", problem)
    _where(v, config)
    return config


def _where(v, config):
    """Refuse a device or dtype the config's engine cannot compute on (its backend says)."""
    engine = config["engine"]
    for key, words in (("device", "on the"), ("dtype", "in")):
        value, able = config[key], getattr(backends.backend_class(engine), key + "s")
        if value != "auto" and value not in able:
            others = [n for n in backends.names() if value in getattr(backends.backend_class(n), key + "s")]
            v.fail(key, f"the {engine} engine computes {words} {' or '.join(able)} only; {value} needs engine "
                        f"{' or '.join(others)}")


def _data(v, raw):
    """The data section, checked against the data set's declared parameters (datasets.py)."""
    path = "data" if isinstance(raw, str) else "data.name"  # as written: data: moons, or data: {name: moons}
    raw = v.mapping(v.short_form(raw, "data"), "data", datasets.setting_names())
    name = raw.get("name", datasets.CSV if datasets.CSV in raw else DEFAULTS["data"]["name"])
    if name not in datasets.names() and _file_like(name, v.base):
        v.csv_form(path, name)
    name = v.choice(name, "data.name", datasets.names())
    own = datasets.parameters(name)
    out = {"name": name}
    for key, param in own.items():
        out[key] = _setting(v, param, raw, key, name)
    for key in raw:
        if key != "name" and key not in own and key not in datasets.COMMON_PARAMS:
            v.fail(f"data.{key}", f"not a setting of data set {name} (it takes {', '.join(own) or 'no parameters'})")
    for key, param in datasets.COMMON_PARAMS.items():
        out[key] = _setting(v, param, raw, key, name)
    return out


def _file_like(name, base):
    """Whether a data set's name looks like a file's: it ends in .csv, holds a /, or a
    file has that name (here, or beside the config)."""
    if not isinstance(name, str) or len(name) > 4096:
        return False
    return (name.lower().endswith(".csv") or "/" in name or os.sep in name or os.path.isfile(name)
            or base is not None and os.path.isfile(os.path.join(base, name)))


def _setting(v, param, raw, key, name):
    """One data setting: its value from `raw` or its default, checked as its Param says."""
    value = raw.get(key, param.default)
    if value is None and param.required:
        v.fail(f"data.{key}", f"required when data.name is {name} ({param.required})")
    if value is None and param.default is None:
        return None
    return getattr(v, param.kind)(value, f"data.{key}", **param.limits)


def _early_stopping(v, raw):
    if raw is None:
        return None
    raw = v.mapping(raw, "early_stopping", tuple(EARLY_STOPPING))
    return {
        "patience": v.integer(raw.get("patience", EARLY_STOPPING["patience"]), "early_stopping.patience", minimum=1),
        "min_delta": v.number(raw.get("min_delta", EARLY_STOPPING["min_delta"]), "early_stopping.min_delta",
                              minimum=0.0),
    }


def _model(v, raw):
    raw = v.mapping(raw, "model", tuple(DEFAULTS["model"]))
    layers = raw.get("layers", DEFAULTS["model"]["layers"])
    if not isinstance(layers, list) or not layers:
        v.fail("model.layers", f"expected a non-empty list of layer sizes, got {show(layers, quoted=True)}")
    if len(layers) > MAX_LAYERS:
        v.fail("model.layers", f"{len(layers):,} layers, more than the limit of {MAX_LAYERS:,}")
    return {
        "layers": [v.integer(n, f"model.layers[{i}]", minimum=1) for i, n in enumerate(layers)],
        "activation": v.choice(raw.get("activation", DEFAULTS["model"]["activation"]), "model.activation",
                               activations.names()),
        "output": v.choice(raw.get("output", DEFAULTS["model"]["output"]), "model.output", activations.names()),
    }


def _loss(v, raw):
    raw = v.mapping(v.short_form(raw, "loss"), "loss", tuple(DEFAULTS["loss"]))
    return {
        "name": v.choice(raw.get("name", DEFAULTS["loss"]["name"]), "loss.name", losses.names()),
        "l2": v.number(raw.get("l2", DEFAULTS["loss"]["l2"]), "loss.l2", minimum=0.0),
    }


def _optimizer(v, raw):
    """The optimizer section, checked against its record's settings (optim.OPTIMIZERS)."""
    every = ("name", "lr", "schedule") + tuple(k for o in optim.OPTIMIZERS.values() for k in o.settings)
    raw = v.mapping(v.short_form(raw, "optimizer"), "optimizer", tuple(dict.fromkeys(every)))
    name = v.choice(raw.get("name", DEFAULTS["optimizer"]["name"]), "optimizer.name", optim.names())
    settings = optim.get(name).settings
    for key in raw:
        if key not in settings and key not in ("name", "schedule"):
            v.fail(f"optimizer.{key}", f"not a setting of optimizer {name} (it takes {', '.join(settings)})")
    out = {"name": name}
    for key, setting in settings.items():
        value = raw.get(key, setting.default)
        if value is None and DEFAULTS["optimizer"].get(key, False) is None:  # null: the optimizer's default
            value = setting.default
        out[key] = getattr(v, setting.kind)(value, f"optimizer.{key}", **setting.limits)
    out["schedule"] = _schedule(v, raw.get("schedule", DEFAULTS["optimizer"]["schedule"]))
    return out


def _schedule(v, raw):
    raw = v.mapping(v.short_form(raw, "optimizer.schedule"), "optimizer.schedule",
                    ("name", "end", "every", "gamma"))
    name = v.choice(raw.get("name", "constant"), "optimizer.schedule.name", tuple(SCHEDULES))
    params = SCHEDULES[name]
    for key in raw:
        if key != "name" and key not in params:
            takes = ", ".join(params) or "no parameters"
            v.fail(f"optimizer.schedule.{key}", f"not a setting of schedule {name} (it takes {takes})")
    out = {"name": name}
    if "end" in params:
        out["end"] = v.number(raw.get("end", params["end"]), "optimizer.schedule.end", minimum=0.0, maximum=1.0)
    if "every" in params:
        out["every"] = v.integer(raw.get("every", params["every"]), "optimizer.schedule.every", minimum=1)
        out["gamma"] = v.number(raw.get("gamma", params["gamma"]), "optimizer.schedule.gamma",
                                minimum=0.0, maximum=1.0, open_ends=(True, False))
    return out


class _Validator:
    """Type and range checks that raise ConfigError('source: path: message')."""

    def __init__(self, source, prefix="", base=None):
        self.source, self.prefix, self.base = source, prefix, base

    def fail(self, path, message, typed=None):
        """Raise the error; `typed(option)`: the message as a command-line option that gave
        the setting would say it (overrides.attribute), where it differs."""
        path = self.prefix + path if path else self.prefix.rstrip(".")
        error = ConfigError(f"{self.source}: {path}: {message}" if path else f"{self.source}: {message}")
        error.field, error.reason = path, message  # for overrides.attribute: which --set gave it
        error.typed = typed
        raise error

    def csv_form(self, path, name):
        """Refuse a file's name given as a data set's, with the form a CSV file takes."""
        shown = name if _PLAIN.fullmatch(name) and len(name) <= 60 else shorten(name)
        said = f"{shown} is not a built-in data set; for a CSV file write "
        self.fail(path, f"{said}data: {{csv: {shown}}}",
                  typed=lambda option: f"{said}{option} {shlex.quote(f'data={{csv: {shown}}}')}")

    def short_form(self, value, path):
        return {"name": value} if isinstance(value, str) else value

    def mapping(self, value, path, allowed):
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping (key: value), got {show(value, quoted=True)}")
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                # a key as written: true, null or 3 for YAML's other kinds of key
                written = shorten(key)[1:-1] if isinstance(key, str) else show(key)
                where = f"{path}.{written}" if path else written
                close = _close_matches(key, allowed)
                hint = f"did you mean '{close[0]}'?" if close else f"expected one of {', '.join(allowed)}"
                self.fail(where, f"unknown key ({hint})")
        return value

    def integer(self, value, path, minimum=None, maximum=None):
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            value = int(value)  # 1e3 in a config is a whole number
        if (isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum)
                or (maximum is not None and value > maximum)):
            what = {None: "an integer", 0: "a non-negative integer", 1: "a positive integer"}.get(
                minimum, f"an integer >= {minimum}")
            if maximum is not None:
                what = f"an integer from {minimum} to {maximum}"
            self.fail(path, f"expected {what}, got {show(value, quoted=True)}")
        return value

    def number(self, value, path, minimum=None, maximum=None, open_ends=False):
        lo_open, hi_open = open_ends if isinstance(open_ends, tuple) else (open_ends, open_ends)
        # a number as YAML 1.2 reads one (numbers.py's rule, strict_yaml): never a string
        # such as "5" or 1_0 that float() would read
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok and minimum is not None:
            ok = value > minimum if lo_open else value >= minimum
        if ok and maximum is not None:
            ok = value < maximum if hi_open else value <= maximum
        if not ok:
            if minimum is not None and maximum is not None:
                want = f"a number in {'(' if lo_open else '['}{minimum:g}, {maximum:g}{')' if hi_open else ']'}"
            elif minimum == 0 and lo_open:
                want = "a positive number"
            elif minimum == 0:
                want = "a non-negative number"
            else:
                want = "a number"
            self.fail(path, f"expected {want}, got {show(value, quoted=True)}")
        return float(value)

    def numbers(self, value, path, names, **limits):
        """A list of len(names) numbers, each checked as number() does."""
        if not isinstance(value, list) or len(value) != len(names):
            count = {2: "two", 3: "three"}.get(len(names), str(len(names)))
            self.fail(path, f"expected a list of {count} numbers [{', '.join(names)}], got {show(value, quoted=True)}")
        return [self.number(x, f"{path}[{i}]", **limits) for i, x in enumerate(value)]

    def boolean(self, value, path):
        if not isinstance(value, bool):
            hint = ""
            if isinstance(value, str) and value in strict_yaml.YAML11_BOOLEANS:  # yes, off: YAML 1.1's words
                hint = f" (write {str(strict_yaml.YAML11_BOOLEANS[value]).lower()}: YAML 1.2 reads {value} as text)"
            self.fail(path, f"expected true or false, got {show(value, quoted=True)}{hint}")
        return value

    def string(self, value, path):
        if not isinstance(value, str) or not value:
            self.fail(path, f"expected a string, got {show(value, quoted=True)}")
        return value

    def name(self, value, path):
        """A string naming something in the data (a column): data/names.py's rule."""
        value = self.string(value, path)
        refused = names.problem(value)
        if refused:
            self.fail(path, refused)
        return value

    def choice(self, value, path, choices):
        if not isinstance(value, str) or value not in choices:
            close = _close_matches(value, choices)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.fail(path, f"expected one of {', '.join(choices)}, got {show(value, quoted=True)}{hint}")
        return value


_PLAIN = re.compile(r"[\w./~+@%-]+(?: [\w./~+@%-]+)*")  # a name YAML shows as it is, unquoted


def _close_matches(value, choices):
    """The choice closest to a mistyped value, if any (not for long values: difflib's
    work grows with the length)."""
    if not isinstance(value, str) or len(value) > 100:
        return []
    return difflib.get_close_matches(value, choices, n=1)
