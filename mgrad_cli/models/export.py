"""Export a trained model for use outside mgrad: ONNX (.onnx) or PyTorch (.pt), by suffix.

Both hold the whole prediction from raw inputs, in float64, as `mgrad predict` makes it:

    standardize    (x - mean) / std with the training rows' statistics (when the model has them)
    each layer     x W^T + b (W: out x in, as torch.nn.Linear), then its activation
    output head    sigmoid for bce (the probability of the second class), softmax for
                   cross_entropy (one probability per class), nothing otherwise (the scores)
    target units   a regression target standardized for training: one more 1-to-1 linear
                   layer, o * target_std + target_mean, so the output is in its units

.onnx needs only the onnx package (pip install onnx): a Sub and a Div node,
then a Gemm and an activation node per layer, then the head; the feature and class names,
the target and what the output means are in the model's metadata (metadata_props).
.pt needs PyTorch (pip install torch): torch.save of a dict whose
"state_dict" loads into the torch.nn.Sequential that sequential_code() writes out, with
"mean" and "std" (float64 tensors, or None) and the names beside it.
"""

import json
import os

import numpy as np

from .. import extras, files
from ..nn import activations, losses
from ..backends import mlp
from ..errors import UserInputError

SUFFIXES = (".onnx", ".pt")
# what a .pt file holds, in this order
PT_KEYS = ("state_dict", "mean", "std", "feature_names", "class_names", "target", "task", "loss", "output", "code")
ONNX_OPSET, ONNX_IR_VERSION = 17, 8  # opset 17 needs IR version 8: runtimes since 2022 read it
INPUT, OUTPUT = "input", "output"


def check_path(path):
    """The format for an export path ('onnx' or 'pt'), or UserInputError naming the suffix
    (or a directory: files.check_output)."""
    files.check_output(path)
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in SUFFIXES:
        raise UserInputError(f"expected a file ending in .onnx or .pt, got '{path}'")
    return suffix[1:]


def layers(model):
    """[(W out x in, b, activation)] of a trained evaluate.Model, from its flat weights
    (backends.mlp's layout: per neuron its weights, then its bias)."""
    cfg = model.config["model"]
    acts = activations.layer_activations(len(cfg["layers"]), cfg["activation"], cfg["output"])
    out = [(block[:, :-1].copy(), block[:, -1].copy(), act)
           for block, act in zip(mlp.blocks(model.params, model.sizes), acts)]
    if model.target_mean is not None:  # back to the target's units, as predict does
        out.append((np.array([[model.target_std]]), np.array([model.target_mean]), "linear"))
    return out


def head(model):
    """The output head the loss implies: its link (sigmoid or softmax, losses.LOSSES), so the
    output holds the probabilities evaluate.Model.probabilities gives; None for a score."""
    return losses.get(model.loss).link


def applied(name):
    """The record (activations.py) of a layer's activation or of an output head, or None
    where nothing is applied: no head, or an activation that leaves its input as it is."""
    form = None if name is None else activations.get(name)
    return None if form is None or form.identity else form


def describe_output(model):
    """What the exported model's output holds, in words."""
    h = head(model)
    if h == "softmax":
        return f"the probability of each class ({', '.join(model.class_names)})"
    if h == "sigmoid":
        return f"the probability of class '{model.class_names[1]}' (the other is '{model.class_names[0]}')"
    if model.task == "regression":
        return f"the predicted {model.target or 'value'}"
    if model.sizes[-1] == 1:
        threshold = losses.class_threshold(model.config["model"]["output"])
        return f"the score: class '{model.class_names[1]}' above {threshold:g}, else '{model.class_names[0]}'"
    return f"a score per class ({', '.join(model.class_names)}): the largest wins"


def signature(model):
    """(input, output): what goes in and what comes out, in words."""
    inside = ", standardized inside" if model.mean is not None else ""
    return (f"{INPUT}: n x {model.n_features} raw features ({', '.join(model.feature_names)}){inside}",
            f"{OUTPUT}: n x {model.sizes[-1]}, {describe_output(model)}")


def metadata(model):
    """The names that travel with the exported model (ONNX metadata_props: strings)."""
    inputs, outputs = signature(model)
    return {
        "producer": "mgrad",
        "input": inputs,
        "output": outputs,
        "feature_names": json.dumps(model.feature_names),
        "class_names": json.dumps(model.class_names),
        "target": json.dumps(model.target),
        "task": model.task,
        "loss": model.loss,
        "standardized": json.dumps(model.mean is not None),
    }


def export(model, path):
    """Write model (an evaluate.Model) to path, in the format its suffix names. Returns the
    format ('onnx' or 'pt'). Raises UserInputError for a bad suffix, a missing extra or a
    path that cannot be written."""
    fmt = check_path(path)
    require(fmt)
    files.check_writable(path)
    data = to_onnx(model) if fmt == "onnx" else to_torch_bytes(model, path)
    files.write_atomic(path, data)
    return fmt


def require(fmt):
    """The package that writes fmt ('onnx' or 'pt'), or UserInputError naming the extra."""
    if fmt == "onnx":
        return extras.require("onnx", "exporting to .onnx", "onnx", "the onnx package")
    from ..backends.torch import require_torch

    return require_torch("exporting to .pt")


# --- ONNX ----------------------------------------------------------------------------------

def to_onnx(model):
    """The serialized ONNX model (bytes): float64 in, float64 out, batch size free."""
    onnx = require("onnx")
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, x = [], [], INPUT

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float64), name))
        return name

    if model.mean is not None:  # the training rows' statistics, as predict applies them
        x = node("Sub", [x, const("mean", model.mean)], "centered")
        x = node("Div", [x, const("std", model.std)], "standardized")
    for i, (W, b, act) in enumerate(layers(model), start=1):
        x = node("Gemm", [x, const(f"W{i}", W), const(f"b{i}", b)], f"layer{i}", transB=1)
        if applied(act) is not None:
            x = node(applied(act).onnx[0], [x], f"{act}{i}", **applied(act).onnx[1])
    h = head(model)
    if applied(h) is not None:
        x = node(applied(h).onnx[0], [x], h, **applied(h).onnx[1])
    nodes.append(helper.make_node("Identity", [x], [OUTPUT], name=OUTPUT))
    graph = helper.make_graph(
        nodes, "mgrad_mlp",
        [helper.make_tensor_value_info(INPUT, TensorProto.DOUBLE, ["n", model.n_features])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.DOUBLE, ["n", model.sizes[-1]])], inits)
    onnx_model = helper.make_model(graph, producer_name="mgrad", ir_version=ONNX_IR_VERSION,
                                   opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                                   doc_string=f"MLP {mlp.sizes_text(model.sizes)}: {describe_output(model)}")
    helper.set_model_props(onnx_model, metadata(model))
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model.SerializeToString()


# --- PyTorch -------------------------------------------------------------------------------

def modules(model):
    """The torch.nn.Sequential's modules: [(torch.nn class name, positional args, keyword args)]."""
    def module(name):  # torch.nn's module for an activation or a head, if any
        form = applied(name)
        return [] if form is None else [(form.torch_module[0], (), form.torch_module[1])]

    out = []
    for W, _, act in layers(model):
        out += [("Linear", (W.shape[1], W.shape[0]), {})] + module(act)
    return out + module(head(model))


CODE_WIDTH = 78  # the printed code fits an 80-column terminal


def sequential_code(model, path="MODEL.pt"):
    """Python that rebuilds the exported model and predicts with it: the torch.nn.Sequential
    the state_dict loads into, in float64, within CODE_WIDTH columns. Every name from the
    data (a feature, a class, the target) and the path are string literals made by repr,
    never words in a comment, so no name can become code (data/names.py)."""
    lines = ["import torch", "", "model = torch.nn.Sequential("]
    for name, args, kwargs in modules(model):
        given = [str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items()]
        lines.append(f"    torch.nn.{name}({', '.join(given)}),")
    lines += [").double()", f"saved = torch.load({repr(str(path))})",
              'model.load_state_dict(saved["state_dict"])']
    lines += _comment(f"x: raw features, n x {model.n_features} float64, the columns in features")
    lines += _literal("features", model.feature_names)
    if model.class_names is not None:
        lines += _literal("classes", model.class_names)
    elif model.target is not None:
        lines.append(f"target = {repr(str(model.target))}")
    x = "x" if model.mean is None else '(x - saved["mean"]) / saved["std"]'
    lines += _comment(f"output: {_output_in_code(model)}") + [f"output = model({x})"]
    return "\n".join(lines)


def _literal(variable, names, width=CODE_WIDTH):
    """`variable = [...]`: the names as string literals (repr), on one line when it fits,
    else one item list per line within `width` (a name longer than that stays whole)."""
    one = f"{variable} = {repr(list(names))}"
    if len(one) <= width:
        return [one]
    lines, line = [f"{variable} = ["], "   "
    for item in (repr(str(n)) + "," for n in names):
        if len(line) + 1 + len(item) > width and line.strip():
            lines.append(line)
            line = "   "
        line += " " + item
    return lines + [line, "]"]


def _output_in_code(model):
    """What the output holds, for the snippet's comment: the names only by their variables."""
    h = head(model)
    if h == "softmax":
        return "the probability of each class, in the order of classes"
    if h == "sigmoid":
        return "the probability of classes[1] (the other is classes[0])"
    if model.task == "regression":
        return "the predicted target" if model.target is not None else "the predicted value"
    if model.sizes[-1] == 1:
        threshold = losses.class_threshold(model.config["model"]["output"])
        return f"the score: classes[1] above {threshold:g}, else classes[0]"
    return "a score per class, in the order of classes: the largest wins"


def _comment(text, width=CODE_WIDTH):
    """A comment on lines of its own, wrapped between words within `width` columns."""
    import textwrap

    return textwrap.wrap(text, width, initial_indent="# ", subsequent_indent="# ", break_long_words=False,
                         break_on_hyphens=False)


def sequential(model):
    """The torch.nn.Sequential that sequential_code() writes out, with the trained weights."""
    torch = require("pt")
    seq = torch.nn.Sequential(*[getattr(torch.nn, name)(*args, **kwargs)
                                for name, args, kwargs in modules(model)]).double()
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for lin, (W, b, _) in zip(linears, layers(model)):
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
    return seq


def to_torch_bytes(model, path="MODEL.pt"):
    """torch.save's bytes of a dict with PT_KEYS: only tensors, strings, lists and None, so
    torch.load(path) reads it with weights_only (its default)."""
    import io

    torch = require("pt")
    stats = [None if v is None else torch.from_numpy(np.asarray(v, dtype=np.float64)) for v in (model.mean, model.std)]
    values = [sequential(model).state_dict(), *stats, list(model.feature_names), model.class_names, model.target,
              model.task, model.loss, describe_output(model), sequential_code(model, path)]
    buffer = io.BytesIO()
    torch.save(dict(zip(PT_KEYS, values)), buffer)
    return buffer.getvalue()

