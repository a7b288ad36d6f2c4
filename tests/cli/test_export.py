"""`mgrad export MODEL.json -o PATH`: .onnx (run with onnxruntime) and .pt (loaded into the
printed torch.nn.Sequential) give `mgrad predict`'s numbers and classes."""

import csv
import json
import os
import sys

import numpy as np
import pytest

from conftest import need_module
from models import DATASETS, config_path, train_checkpoint

IRIS_CSV = os.path.join(DATASETS, "iris.csv")
SHIPPED = sorted(os.path.splitext(n)[0] for n in os.listdir(os.path.dirname(config_path("x"))) if n.endswith(".yaml"))


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A checkpoint per shipped config, trained 3 epochs on its own engine."""
    d = tmp_path_factory.mktemp("models")
    for name in SHIPPED:
        train_checkpoint(d / f"{name}.json", config_path(name), epochs=3)
    return d


@pytest.fixture
def ort():
    need_module("onnx")  # to write the file
    return need_module("onnxruntime")  # to run it


def predict_json(run, model, data):
    result = run("predict", model, data, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def expected_outputs(doc):
    """What the exported model outputs, from predict's JSON: the probabilities for bce (of
    the second class) and cross_entropy, the prediction for a regression target, else the
    raw outputs."""
    rows = doc["predictions"]
    if doc["task"] == "regression":  # in the target's units, as predict gives them
        return np.array([[r["prediction"]] for r in rows])
    if rows[0]["probabilities"] is None:
        return np.array([r["outputs"] for r in rows])
    probs = np.array([[r["probabilities"][c] for c in doc["classes"]] for r in rows])
    return probs[:, 1:] if len(rows[0]["outputs"]) == 1 else probs


def features_of(path, doc):
    """The CSV's feature columns in the model's order, as predict read them."""
    return np.array([r["inputs"] for r in doc["predictions"]])


def onnx_outputs(ort, path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X})[0], session


def torch_outputs(torch, run_result, path, X):
    """Run the code `mgrad export` printed, as a user would paste it, on X."""
    code = run_result.output.split("To use it:\n", 1)[1]
    scope = {"x": torch.from_numpy(X)}
    exec(code, scope)  # builds the Sequential, loads torch.load(path)["state_dict"], predicts
    return scope["output"].detach().numpy()


def test_onnx_on_iris_gives_predicts_probabilities(run, models, tmp_path, ort):
    out = tmp_path / "iris.onnx"
    result = run("export", models / "iris.json", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Exported MLP 4-8-3 (67 parameters) trained 3 epochs on iris to {out} (ONNX opset 17, float64).\n"
        "input: n x 4 raw features (sepal_length, sepal_width, petal_length, petal_width), standardized inside\n"
        "output: n x 3, the probability of each class (setosa, versicolor, virginica)\n")
    doc = predict_json(run, models / "iris.json", IRIS_CSV)
    X = features_of(IRIS_CSV, doc)
    got, session = onnx_outputs(ort, out, X)
    assert got.dtype == np.float64 and got.shape == (150, 3)
    np.testing.assert_allclose(got, expected_outputs(doc), rtol=0, atol=1e-12)
    meta = session.get_modelmeta().custom_metadata_map
    assert json.loads(meta["feature_names"]) == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert json.loads(meta["class_names"]) == ["setosa", "versicolor", "virginica"]
    assert json.loads(meta["target"]) == "species" and meta["loss"] == "cross_entropy"
    assert [i.name for i in session.get_inputs()] == ["input"] and [o.name for o in session.get_outputs()] == ["output"]


def test_the_title_says_which_epochs_weights_early_stopping_kept(run, tmp_path, torch):
    """Issue 19: `trained 43 epochs` when the weights exported were epoch 23's."""
    ckpt, out = tmp_path / "diabetes.json", tmp_path / "diabetes.pt"
    train_checkpoint(ckpt, config_path("diabetes"))  # as shipped: early stopping stops at epoch 43
    result = run("export", ckpt, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Exported MLP 10-8-1 (97 parameters) trained 43 epochs on diabetes, weights "
                                    f"from epoch 23 to {out} (torch.save")


def test_onnx_graph_is_standardize_then_gemm_and_activation_nodes(run, models, tmp_path):
    onnx = need_module("onnx")
    out = tmp_path / "iris.onnx"
    assert run("export", models / "iris.json", "-o", out).exit_code == 0
    graph = onnx.load(str(out)).graph
    assert [n.op_type for n in graph.node] == ["Sub", "Div", "Gemm", "Tanh", "Gemm", "Softmax", "Identity"]
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_pt_on_iris_loads_into_the_printed_sequential(run, models, tmp_path, torch):
    out = tmp_path / "iris.pt"
    result = run("export", models / "iris.json", "-o", out)
    assert result.exit_code == 0, result.output
    head, code = result.output.split("To use it:\n", 1)
    assert head == (f"Exported MLP 4-8-3 (67 parameters) trained 3 epochs on iris to {out} (torch.save of a dict: "
                    "state_dict, mean, std, feature_names, class_names, target, task, loss, output, code).\n")
    assert "    torch.nn.Linear(4, 8),\n    torch.nn.Tanh(),\n    torch.nn.Linear(8, 3),\n" \
           "    torch.nn.Softmax(dim=1),\n).double()\n" in code
    doc = predict_json(run, models / "iris.json", IRIS_CSV)
    X = features_of(IRIS_CSV, doc)
    np.testing.assert_allclose(torch_outputs(torch, result, out, X), expected_outputs(doc), rtol=0, atol=1e-12)
    saved = torch.load(str(out))  # weights_only (the default): nothing but tensors, names and numbers
    assert list(saved["state_dict"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert saved["class_names"] == ["setosa", "versicolor", "virginica"] and saved["mean"].dtype == torch.float64
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    model.load_state_dict(saved["state_dict"])  # the head has no weights: the logits without it


def class_of(outputs, doc, loss_output):
    """The class an exported model's outputs say, as predict decides it."""
    if doc["task"] == "regression":
        return [None] * len(outputs)
    if outputs.shape[1] > 1:
        index = outputs.argmax(axis=1)
    else:
        index = (outputs[:, 0] > loss_output).astype(int)
    return [doc["classes"][i] for i in index]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_config_exports_predicts_numbers_and_classes(run, models, tmp_path, name, ort, torch):
    model = models / f"{name}.json"
    ckpt = json.loads(model.read_text())
    data = tmp_path / "data.csv"  # the model's own data, raw, as a CSV for predict
    from mgrad_cli.models import evaluate

    ds, X = evaluate.training_data(evaluate.load_model(str(model)))
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows([ds.feature_names] + X.tolist())
    doc = predict_json(run, model, data)
    want = expected_outputs(doc)
    # the threshold on the exported output: a probability (bce) is over 0.5 where the score is over 0
    loss, output = ckpt["config"]["loss"]["name"], ckpt["config"]["model"]["output"]
    threshold = 0.5 if loss == "bce" or (loss == "mse" and output == "sigmoid") else 0.0
    classes = [r["prediction"] for r in doc["predictions"]]
    for suffix in (".onnx", ".pt"):
        out = tmp_path / f"m{suffix}"
        result = run("export", model, "-o", out)
        assert result.exit_code == 0, result.output
        got = onnx_outputs(ort, out, X)[0] if suffix == ".onnx" else torch_outputs(torch, result, out, X)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
        if doc["task"] == "classification":
            assert class_of(got, doc, threshold) == classes


def test_onnx_needs_no_pytorch(run, models, tmp_path, ort, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    out = tmp_path / "xor.onnx"
    assert run("export", models / "xor.json", "-o", out).exit_code == 0
    result = run("export", models / "xor.json", "-o", tmp_path / "xor.pt")
    assert result.exit_code == 2
    assert result.output == ("Error: exporting to .pt needs PyTorch, an optional extra; "
                             "install it with: pip install torch (or, in mgrad's checkout: pip install -e '.[torch]')\n")


def test_without_onnx_the_error_names_the_extra(run, models, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = run("export", models / "xor.json", "-o", tmp_path / "xor.onnx")
    assert result.exit_code == 2
    assert result.output == ("Error: exporting to .onnx needs the onnx package, an optional extra; "
                             "install it with: pip install onnx (or, in mgrad's checkout: pip install -e '.[onnx]')\n")
    assert not (tmp_path / "xor.onnx").exists()


@pytest.mark.parametrize("args, message", [
    (["{tmp}/m.txt"], "Error: expected a file ending in .onnx or .pt, got '{tmp}/m.txt'"),
    (["{tmp}/nowhere/m.onnx"], "Error: cannot write {tmp}/nowhere/m.onnx: No such file or directory"),
    (["{tmp}/folder.onnx"], "Error: cannot write {tmp}/folder.onnx: Is a directory"),
    (["/proc/m.onnx"], "Error: cannot write /proc/m.onnx: No such file or directory"),
])
def test_bad_output_path_is_one_line_and_exit_2(run, models, tmp_path, args, message, ort):
    (tmp_path / "folder.onnx").mkdir()
    result = run("export", models / "xor.json", "-o", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert result.output == message.format(tmp=tmp_path) + "\n"


def test_not_a_checkpoint_is_one_line_and_exit_2(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"weights": [1, 2]}')
    result = run("export", bad, "-o", tmp_path / "m.onnx")
    assert result.exit_code == 2
    assert result.output == f"Error: {bad}: not an mgrad checkpoint (no \"format\": \"mgrad-checkpoint\")\n"
    result = run("export", tmp_path / "missing.json", "-o", tmp_path / "m.onnx")
    assert result.exit_code == 2
    assert result.output == f"Error: {tmp_path}/missing.json: no such file\n"
