"""A checkpoint is checked as a whole on load (issue 24, checkpoint_fields.py): every field of
every version, mutated in turn, is refused in one shape, "CHECKPOINT: field: problem";
a field from a later version and a missing one are refused by the version; the RNG state,
the fingerprint, the optimizer state, names and numbers are checked for type and range."""

import copy
import json

import pytest

from models import as_version, train_checkpoint

from mgrad_cli.errors import CheckpointError
from mgrad_cli.training import checkpoint

CLASSIFIER = ("data: {name: moons, n_samples: 40, val_split: 0.25, test_split: 0.2, standardize: true}\n"
              "model: {layers: [4, 2]}\nloss: cross_entropy\noptimizer: {name: adam}\nepochs: 3\n"
              "engine: tensor\nearly_stopping: {patience: 5}\n")
REGRESSOR = ("data: {name: diabetes, task: regression, standardize: true, test_split: 0.2}\nmodel: {layers: [3, 1]}\nloss: mse\n"
             "optimizer: {name: momentum}\nepochs: 2\nengine: tensor\n")
VERSIONS = range(1, checkpoint.VERSION + 1)
SENTINEL = {"?": 1}  # a mapping: the wrong kind for every field of a checkpoint


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """{"classifier": dict, "regressor": dict}: two trained checkpoints of the current version."""
    folder = tmp_path_factory.mktemp("fields")
    out = {}
    for name, text in (("classifier", CLASSIFIER), ("regressor", REGRESSOR)):
        (folder / f"{name}.yaml").write_text(text)
        train_checkpoint(folder / f"{name}.json", folder / f"{name}.yaml")
        out[name] = json.loads((folder / f"{name}.json").read_text())
    assert out["classifier"]["early_stopping"] is not None and out["regressor"]["data"]["target_std"] is not None
    weights = out["classifier"]["weights"]  # (as train --snapshots keeps them: version 6)
    out["classifier"]["snapshots"] = {"epochs": [1, 3], "weights": [list(weights), list(weights)]}
    assert all(r["layers"] for r in out["classifier"]["history"])  # per-layer statistics (version 6)
    return out


def load(tmp_path, doc):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    return checkpoint.load_checkpoint(path)


def refusal(tmp_path, doc):
    """The field and the problem of the CheckpointError loading doc raises (None if it loads)."""
    try:
        load(tmp_path, doc)
    except CheckpointError as e:
        message = str(e)
        prefix = f"{tmp_path / 'm.json'}: "
        assert message.startswith(prefix) and "\n" not in message, message
        field, _, problem = message[len(prefix):].partition(": ")
        return field, problem
    return None


def fields(doc, keys=()):
    """(keys, dotted name) of every field: every mapping's keys, and the first and last item
    of every list, at every depth."""
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        items = [(i, doc[i]) for i in sorted({0, len(doc) - 1})] if doc else []
    else:
        return
    for key, value in items:
        path = keys + (key,)
        yield path, dotted(path)
        yield from fields(value, path)


def dotted(keys):
    text = ""
    for k in keys:
        text += f"[{k}]" if isinstance(k, int) else (f".{k}" if text else k)
    return text


def changed(doc, keys, value=None, delete=False):
    doc = copy.deepcopy(doc)
    node = doc
    for k in keys[:-1]:
        node = node[k]
    if delete:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return doc


def related(reported, name):
    """The reported field is the mutated one, holds it, or is inside it."""
    return any(r == name or name.startswith((r + ".", r + "[")) or r.startswith((name + ".", name + "["))
               for r in reported.split(", "))


def shape_ok(refused, name):
    if name == "format":  # not a checkpoint at all: no field to name
        return refused[0].startswith("not an mgrad checkpoint")
    return related(refused[0], name)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_of_the_wrong_kind_is_refused_by_its_name(tmp_path, saved, kind, version):
    doc = as_version(saved[kind], version)
    assert load(tmp_path, doc)["version"] == checkpoint.VERSION  # the unmutated file loads
    wrong = []
    for keys, name in fields(doc):
        refused = refusal(tmp_path, changed(doc, keys, SENTINEL))
        if refused is None or not shape_ok(refused, name):
            wrong.append((name, refused))
    assert not wrong
    assert len(list(fields(doc))) > 75


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_left_out_is_refused(tmp_path, saved, kind, version):
    doc = as_version(saved[kind], version)
    wrong = []
    for keys, name in fields(doc):
        if isinstance(keys[-1], int):
            continue
        refused = refusal(tmp_path, changed(doc, keys, delete=True))
        if version == 1 and name in ("history", "data.target") or name == "snapshots":
            assert refused is None, refused  # added within version 1, or written only when asked for
            continue
        # a config without a setting may first break a rule between settings (validate_config)
        if refused is None or not (shape_ok(refused, name) or name.startswith("config.") and
                                   refused[0].startswith("config.")):
            wrong.append((name, refused))
    assert not wrong


LATER = [  # (version, field added to a file of that version)
    (1, ("data", "fingerprint"), {"rows": 32, "sha256": "0" * 64}),
    (2, ("data", "target_mean"), None),
    (2, ("early_stopping",), None),
    (2, ("config", "early_stopping"), None),
    (2, ("config", "data", "val_split"), 0.0),
    (2, ("metrics", "val_loss"), None),
    (2, ("history", 0, "val_acc"), None),
    (5, ("history", 0, "layers"), []),
    (5, ("snapshots",), None),
    (3, ("config", "device"), "auto"),
    (3, ("config", "dtype"), "auto"),
]


@pytest.mark.parametrize("version, keys, value", LATER, ids=[f"v{v}-{dotted(k)}" for v, k, _ in LATER])
def test_a_field_from_a_later_version_is_refused(tmp_path, saved, version, keys, value):
    doc = changed(as_version(saved["classifier"], version), keys, value)
    field, problem = refusal(tmp_path, doc)
    assert field == dotted(keys)
    assert problem.startswith(f"not a field of a version {version} checkpoint")


def test_an_unknown_field_is_refused(tmp_path, saved):
    assert refusal(tmp_path, dict(saved["classifier"], notes="x")) == ("notes", "not a field of a checkpoint")
    doc = changed(saved["classifier"], ("data", "extra"), 1)
    assert refusal(tmp_path, doc) == ("data.extra", "not a field of a checkpoint")


@pytest.mark.parametrize("version", [2, 3, 4])
@pytest.mark.parametrize("how", ["null", "deleted"])
def test_the_fingerprint_is_required_from_version_2(tmp_path, saved, version, how):
    doc = changed(as_version(saved["classifier"], version), ("data", "fingerprint"), None, delete=how == "deleted")
    field, problem = refusal(tmp_path, doc)
    assert field == "data.fingerprint" and problem.startswith("missing (a version")


C = "classifier"
R = "regressor"
RANGES = [  # (which checkpoint, field, value, the problem)
    (C, ("epoch",), 0, "expected an epoch from 1 to config.epochs (3), got 0"),
    (C, ("epoch",), 4, "expected an epoch from 1 to config.epochs (3), got 4"),
    (C, ("epoch",), 1.5, "expected an epoch from 1 to config.epochs (3), got 1.5"),
    (C, ("epoch",), True, "expected an epoch from 1 to config.epochs (3), got True"),
    (C, ("rng", "state", "state"), -5, "expected an integer from 0 to 2**128 - 1, got -5"),
    (C, ("rng", "state", "state"), 2 ** 200, "expected an integer from 0 to 2**128 - 1, got an integer of about 60 "
                                             "digits"),
    (C, ("rng", "state", "state"), 1.5, "expected an integer from 0 to 2**128 - 1, got 1.5"),
    (C, ("rng", "state", "inc"), 2, "expected an odd integer (PCG64's increment always is), got 2"),
    (C, ("rng", "has_uint32"), 2, "expected 0 or 1, got 2"),
    (C, ("rng", "uinteger"), 2 ** 32, "expected an integer from 0 to 2**32 - 1, got 4294967296"),
    (C, ("rng", "bit_generator"), "MT19937", None),
    (C, ("weights", 0), "1", "expected a finite number, got '1'"),
    (C, ("weights", 0), None, "expected a finite number, got None"),
    (C, ("optimizer", "t"), -1, "expected a number of updates, got -1"),
    (C, ("optimizer", "t"), 2.5, "expected a number of updates, got 2.5"),
    (C, ("optimizer", "name"), "sgd", "expected 'adam' (config.optimizer.name), got 'sgd'"),
    (C, ("optimizer", "m", 0), float("inf"), "expected a finite number, got inf"),
    (C, ("sizes",), [2], "expected a list of positive integers, got [2]"),
    (C, ("sizes",), [0, 4, 2], "expected a list of positive integers, got [0, 4, 2]"),
    (C, ("data", "feature_names"), ["x0", "x0"], "'x0' appears twice (first at [0])"),
    (C, ("data", "class_names"), ["0", "0"], "'0' appears twice (first at [0])"),
    (C, ("data", "class_names", 1), "a\x1b[2J", "the name 'a\\x1b[2J' holds a control character (U+001B); a name "
                                                 "must be printable text"),
    (C, ("data", "feature_names", 0), "", "expected a name, got ''"),
    (C, ("data", "name"), "m\u202eoons", "the name 'm\\u202eoons' holds a control character (U+202E); a name "
                                          "must be printable text"),
    (C, ("data", "task"), "other", "expected classification or regression, got 'other'"),
    (C, ("data", "mean", 0), float("nan"), "expected a finite number, got nan"),
    (C, ("data", "std", 1), 0.0, "expected a positive number, got 0.0"),
    (C, ("data", "std"), None, "expected both data.mean and data.std, or neither"),
    (C, ("data", "fingerprint", "rows"), 0, None),
    (C, ("data", "fingerprint", "sha256"), "zz", None),
    (C, ("metrics", "train_acc"), 1.5, "expected a fraction from 0 to 1, got 1.5"),
    (C, ("metrics", "loss"), -1.0, "expected a number from 0 to inf, got -1.0"),
    (C, ("metrics", "epoch"), 2, "expected 3 (the checkpoint's epoch), got 2"),
    (C, ("metrics", "lr"), float("inf"), "expected a finite number, got inf"),
    (C, ("history", 0, "epoch"), 2, "expected 1 (a record per epoch, in order, up to epoch 3), got 2"),
    (C, ("history", 1, "epoch"), 10 ** 400, "expected an epoch from 1 to 3, got an integer of about 400 digits"),
    (C, ("history", 0, "seconds"), 0.1, "not a field of an epoch record"),
    (C, ("early_stopping", "best_epoch"), 4, "expected an epoch from 1 to 3, got 4"),
    (C, ("early_stopping", "bad_epochs"), -1, "expected a count from 0 to 3, got -1"),
    (C, ("early_stopping", "stopped"), "yes", "expected true or false, got 'yes'"),
    (C, ("early_stopping", "best_loss"), float("nan"), "expected a finite number >= 0, got nan"),
    (C, ("early_stopping", "best_weights"), [0.0], "expected 22 numbers (one per weight), got 1"),
    (R, ("data", "class_names"), ["a", "b"], "expected null for a regression model"),
    (R, ("data", "target_std"), -1.0, None),
    (R, ("metrics", "train_r2"), 1.5, "expected a number from -inf to 1, got 1.5"),
    (R, ("metrics", "train_mse"), -0.5, "expected a number from 0 to inf, got -0.5"),
    (R, ("early_stopping",), {"best_epoch": 1}, "expected null (config.early_stopping is null)"),
    (C, ("history", 0, "layers", 0, "dead"), 1.5, "expected null or a number from 0 to 1, got 1.5"),
    (C, ("history", 0, "layers", 1, "layer"), 1, "expected 2, got 1"),
    (C, ("history", 0, "layers", 0, "activation"), "gelu", None),
    (C, ("history", 0, "diagnoses"), ["x\x1b[2J"], None),
    (C, ("snapshots", "epochs", 1), 4, "expected an epoch from 1 to 3, got 4"),
    (C, ("snapshots", "weights", 0), [0.0], "expected 22 numbers (one per weight), got 1"),
    (C, ("config", "optimizer", "lr"), -1, "expected a positive number, got -1"),
]


@pytest.mark.parametrize("which, keys, value, problem", RANGES,
                         ids=[f"{w}-{dotted(k)}={v!r:.20}" for w, k, v, _ in RANGES])
def test_every_number_and_name_is_checked_for_its_range(tmp_path, saved, which, keys, value, problem):
    refused = refusal(tmp_path, changed(saved[which], keys, value))
    assert refused is not None
    field, said = refused
    assert related(field, dotted(keys)) or field == "data.std"
    if problem is not None:
        assert said == problem


def test_the_loaded_checkpoint_resumes_as_saved(tmp_path, saved):
    """The checks refuse nothing a real run writes, of either task, at any version."""
    for doc in saved.values():
        for version in VERSIONS:
            assert load(tmp_path, as_version(doc, version))["epoch"] == doc["epoch"]


# --- a version 1 file: its data cannot be checked, and eval and resume say so ---------------------

def test_eval_and_resume_of_a_version_1_file_warn_in_one_line(run, tmp_path):
    (tmp_path / "c.yaml").write_text("data: {name: xor, test_split: 0.25}\nmodel: {layers: [4, 1]}\nepochs: 2\n"
                                     "engine: tensor\n")
    train_checkpoint(tmp_path / "m.json", tmp_path / "c.yaml")
    (tmp_path / "old.json").write_text(json.dumps(as_version(json.loads((tmp_path / "m.json").read_text()), 1)))
    warning = (f"Warning: {tmp_path / 'old.json'} is a version 1 checkpoint, without a fingerprint of its data: the "
               "data cannot be checked to be the data it was trained on.\n")
    result = run("eval", tmp_path / "old.json")
    assert result.exit_code == 0 and result.stderr == warning
    result = run("train", tmp_path / "c.yaml", "--resume", tmp_path / "old.json", "--epochs", "3", "-q")
    assert result.exit_code == 0 and result.stderr == warning
    for args in (["eval", tmp_path / "m.json"], ["train", tmp_path / "c.yaml", "--resume", tmp_path / "m.json",
                                                "--epochs", "3", "-q"]):
        assert run(*args).stderr == ""  # a file with a fingerprint: nothing to say


def test_duplicate_class_names_are_refused_before_predict_drops_a_probability(run, tmp_path, saved):
    (tmp_path / "m.json").write_text(json.dumps(changed(saved["classifier"], ("data", "class_names"), ["a", "a"])))
    result = run("predict", tmp_path / "m.json", "-i", "0,0", "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"Error: {tmp_path / 'm.json'}: data.class_names[1]: 'a' appears twice "
                             "(first at [0])\n")
