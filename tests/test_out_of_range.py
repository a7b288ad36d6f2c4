"""Out-of-range inputs named (issue 24, evaluate.out_of_range): on every row whose
standardized inputs and every layer's outputs are finite, each export format (.onnx, .pt)
agrees with `mgrad predict`, 1e-12 absolute for probabilities and 1e-9 relative for scores
and values; the other rows are named by predict and eval in one line on stderr (the first
10), and their exit codes are unchanged."""

import json

import numpy as np
import pytest

from conftest import need_module
from models import train_checkpoint

from mgrad_cli.models import evaluate as ev
from mgrad_cli.models import export

# (name, config): every output head export writes (softmax, sigmoid, one score, a score
# per class, a regression value in the target's units), standardized inputs in each
MODELS = {
    "softmax": "data: {name: blobs, standardize: true}\nmodel: {layers: [6, 3]}\nloss: cross_entropy\n",
    "sigmoid": "data: {name: xor, standardize: true}\nmodel: {layers: [6, 1]}\nloss: bce\n",
    "score": "data: {name: xor, standardize: true}\nmodel: {layers: [6, 1], activation: tanh}\nloss: hinge\n",
    "scores": "data: {name: blobs, standardize: true}\nmodel: {layers: [6, 3]}\nloss: mse\n",
    "value": "data: {name: diabetes, task: regression, standardize: true}\nmodel: {layers: [6, 1]}\nloss: mse\n",
}
POWERS = [-308, -300, -150, -20, -1, 0, 1, 5, 20, 100, 150, 200, 250, 300, 305, 307, 308]


def inputs(n_features, seed=0):
    """Rows from 1e-308 to 1e308 in size, each feature its own sign and power, and a few of
    one power throughout: the finite ones and those that overflow somewhere."""
    rng = np.random.default_rng(seed)
    rows = [rng.choice([-1.0, 1.0], n_features) * 10.0 ** rng.choice(POWERS, n_features) for _ in range(40)]
    rows += [np.full(n_features, 10.0 ** p) * rng.choice([-1.0, 1.0], n_features) for p in POWERS]
    rows += [np.full(n_features, 1.79e308) * rng.choice([-1.0, 1.0], n_features) for _ in range(10)]  # float64's edge
    return np.array(rows)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("range")
    out = {}
    for name, text in MODELS.items():
        (folder / f"{name}.yaml").write_text(text + "epochs: 5\nengine: tensor\n")
        train_checkpoint(folder / f"{name}.json", folder / f"{name}.yaml")
        out[name] = folder / f"{name}.json"
    return out


def predicted(run, path, X):
    """predict --json's rows for X, and its stderr."""
    args = [a for row in X.tolist() for a in ("-i", ",".join(repr(v) for v in row))]
    result = run("predict", path, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["predictions"], result.stderr


def as_array(model, rows):
    """What an exported model outputs, from predict's rows: the probabilities for a loss
    with a link, the value in the target's units for a regression, else the scores."""
    if model.task == "regression":
        return np.array([[r["prediction"]] for r in rows], dtype=float)
    if rows[0]["probabilities"] is not None:
        names = model.class_names
        out = np.array([[r["probabilities"][c] for c in names] for r in rows], dtype=float)
        return out[:, 1:] if export.head(model) == "sigmoid" else out
    return np.array([r["outputs"] for r in rows], dtype=float)


def agree(got, want, model):
    if export.head(model) is not None:  # probabilities
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    else:  # scores and values
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(MODELS))
def test_every_format_agrees_with_predict_on_the_rows_in_range(run, trained, tmp_path, kind):
    ort = need_module("onnxruntime")
    torch = need_module("torch")
    need_module("onnx")
    model = ev.load_model(trained[kind])
    X = inputs(model.n_features)
    bad = ev.out_of_range(model, X)
    assert bad.sum() < len(X) - 20  # (blobs' wide features never overflow these layers: no row out of range)
    rows, stderr = predicted(run, trained[kind], X)
    want = as_array(model, rows)
    export.export(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {"input": X})[0]
    export.export(model, tmp_path / "m.pt")
    scope = {"x": torch.from_numpy(X)}
    exec(torch.load(str(tmp_path / "m.pt"))["code"].replace("'m.pt'", repr(str(tmp_path / "m.pt"))), scope)
    pt_out = scope["output"].detach().numpy()
    with np.errstate(all="ignore"):
        for got in (onnx_out, pt_out):
            agree(got[~bad], want[~bad], model)
    shown = [str(i + 1) for i in np.flatnonzero(bad)[:10]]
    word = "input" if bad.sum() == 1 else "inputs"
    if not bad.any():
        assert stderr == ""
        return
    assert stderr.startswith(f"Warning: {bad.sum()} of {len(X)} rows {'is' if bad.sum() == 1 else 'are'} out of "
                             f"range: {word} {', '.join(shown)}")
    assert stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["softmax", "value"])
def test_rows_out_of_range_are_what_the_layers_make_of_them(trained, kind):
    model = ev.load_model(trained[kind])
    X = inputs(model.n_features, seed=1)
    bad = ev.out_of_range(model, X)
    with np.errstate(all="ignore"):  # by hand: the standardized inputs, then each layer's affine map
        x = (X - model.mean) / model.std
        mine = ~np.isfinite(x).all(axis=1)
        for W, b, act in export.layers(model):
            x = x @ W.T + b
            mine |= ~np.isfinite(x).all(axis=1)
            x = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "linear": lambda v: v}[act](x)
    np.testing.assert_array_equal(bad, mine)
    assert bad[np.abs(X).max(axis=1) < 1e10].sum() == 0  # everyday inputs are in range


def test_predict_names_the_first_ten_rows_out_of_range_and_exits_0(run, trained, tmp_path):
    lines = ["x0,x1"] + [("1.79e308,1.79e308" if i % 3 == 0 else "0.5,0.25") for i in range(40)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    result = run("predict", trained["sigmoid"], tmp_path / "d.csv")
    assert result.exit_code == 0
    first = ", ".join(str(2 + 3 * k) for k in range(10))
    assert result.stderr == (f"Warning: 14 of 40 rows are out of range: lines {first} (the first 10 of 14) (an "
                             "input once standardized, or a layer's output, is not a finite number; an exported "
                             "model may predict them otherwise).\n")
    assert len(result.stdout.splitlines()) == 41  # every row predicted, as before


def test_eval_names_the_rows_out_of_range_and_exits_0(run, trained, tmp_path):
    (tmp_path / "d.csv").write_text("x0,x1,y\n0.5,0.25,1\n1.79e308,1.79e308,0\n-0.5,0.5,1\n")
    result = run("eval", trained["sigmoid"], tmp_path / "d.csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: 1 of 3 rows is out of range: line 3 (an input once standardized")
    assert "Warning" not in run("eval", trained["sigmoid"]).stderr  # its own data: in range
