"""Every loss, one record each in LOSSES: its math on each engine, the targets it compares
the outputs with, how classes and probabilities come from the outputs, and what it needs
of the model and the data. Config validation, the fit check, training, evaluation and
the CLI all read LOSSES; a new loss is one record.

Each loss is the mean over the batch of a per-sample loss, plus l2 * sum(p*p):
    mse            mean over outputs of (out - t)^2
    hinge          relu(1 - t*score), t = ±1 (micrograd's max-margin loss)
    bce            log(1 + e^(-t*score)), t = ±1: logistic regression on a linear score
    cross_entropy  -log softmax(out)[class] = logsumexp(out) - out[class]

Targets (encode_targets) are the same numbers for every engine. A regression target is
the number itself. Class targets are "signs": an output per class (a single one for two
classes), whose target is the top of the output's range for the true class and the bottom
for the others, so ±1, or 0/1 on a sigmoid output (which never leaves 0 to 1: the
output activation's `low`, activations.py); or
"index": the class number, in one column. The class predicted is the largest output's,
or with a single output class 1 above the middle of the two targets.

A loss with a `link` applies it to the outputs itself (bce the sigmoid, cross_entropy the
softmax): that gives the class probabilities, and the model's output must be linear.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import activations
from ..autograd import tensor as tensor_engine
from ..autograd.value import vsum
from ..autograd.tensor import Tensor, constant, sumsq


# --- what a loss needs of the last layer: (classes k, output units n) -> None or (field, why) --

def one_per_class(name, k, n, what, last):
    if n != k:
        return last, f"{name} needs one output unit per class ({k} classes in {what}), got {n}"
    return None


def one_score(name, k, n, what, last):
    if k > 2:
        return "loss.name", f"{name} is for two classes, but {what} has {k}; use cross_entropy with {last} = {k}"
    if n != 1:
        return last, f"{name} needs 1 output unit (the score), got {n}"
    return None


def one_per_class_or_score(name, k, n, what, last):
    if n != k and not (k == 2 and n == 1):
        want = "1 (targets ±1) or 2" if k == 2 else str(k)
        return last, f"{name} on {k} classes needs {want} output units (one per class), got {n}"
    return None


@dataclass(frozen=True)
class Loss:
    """One loss. scalar(outputs, t): one sample's loss as a Value, from its outputs (a list of
    Values) and its targets (a list of floats). tensor(scores, T): the batch's mean loss as a
    Tensor, from the scores (n x outputs) and the targets (a float64 array, n x columns).
    torch(torch, scores, T): the same on PyTorch tensors (the torch module is passed in: it
    is an optional extra); None when the torch engine cannot train with it."""

    name: str
    scalar: Callable
    tensor: Callable
    targets: str                # "signs" or "index" (see the module's docstring)
    units: Callable             # one_per_class, one_score, ...: the last layer a class target needs
    regression: bool = False    # it can fit a number (a regression target: 1 output unit)
    link: str = None            # "sigmoid" or "softmax": applied by the loss, giving probabilities
    refuses: tuple = ()         # (output activation, why it cannot train with it) pairs
    torch: Callable = None


# --- the scalar engine's forms: one sample ---------------------------------------------------

def _mse(out, t):
    if len(out) == 1:
        return (out[0] - t[0]) ** 2
    return vsum([(o - ti) ** 2 for o, ti in zip(out, t)]) * (1.0 / len(out))


def _hinge(out, t):
    return (1 + -t[0] * out[0]).relu()  # as micrograd's demo writes it


def _bce(out, t):
    # log(1 + e^-m) for the margin m = t*score, with no exp of a large positive number:
    # for m < 0 it is -m + log(1 + e^m)
    m = t[0] * out[0]
    if m.data >= 0:
        return (1 + (-m).exp()).log()
    return -m + (1 + m.exp()).log()


def _cross_entropy(out, t):
    # logsumexp(z) - z[k], shifting by the largest z so no exp overflows; the shift is a
    # plain number because logsumexp(z - c) + c is the same function for any constant c
    c = max(o.data for o in out)
    lse = vsum([(o - c).exp() for o in out]).log() + c
    return lse - out[int(t[0])]


# --- the tensor engine's forms: a batch, scores n x outputs ------------------------------------

def _targets(T, shape):
    # the targets as one constant, labelled for drawings
    return Tensor(np.reshape(T, shape), "T", requires_grad=False)


def _mse_tensor(scores, T):
    diff = scores - _targets(T, scores.shape)
    return (diff * diff).mean()


def _hinge_tensor(scores, T):
    return (1.0 - _targets(T, scores.shape) * scores).relu().mean()


def _bce_tensor(scores, T):
    return (-(_targets(T, scores.shape) * scores)).softplus().mean()


def _cross_entropy_tensor(scores, T):
    labels = np.asarray(T, dtype=np.int64).reshape(-1)
    onehot = np.zeros(scores.shape)
    onehot[np.arange(labels.size), labels] = 1.0
    return -(scores.log_softmax(axis=1) * Tensor(onehot, "onehot", requires_grad=False)).sum() / labels.size


# --- the torch engine's forms: the tensor engine's, on PyTorch tensors --------------------------

def _mse_torch(torch, scores, T):
    diff = scores - T
    return (diff * diff).mean()


def _hinge_torch(torch, scores, T):
    return torch.relu(1.0 - T * scores).mean()


def _bce_torch(torch, scores, T):
    # log(1 + e^-m) as logaddexp(-m, 0): no overflow, and exact where F.softplus returns -m
    # itself (past -m = 20)
    m = T * scores
    return torch.logaddexp(-m, torch.zeros_like(m)).mean()


def _cross_entropy_torch(torch, scores, T):
    return torch.nn.functional.cross_entropy(scores, T[:, 0].long())


LOSSES = {loss.name: loss for loss in [
    Loss("mse", _mse, _mse_tensor, "signs", one_per_class_or_score, regression=True, torch=_mse_torch),
    Loss("hinge", _hinge, _hinge_tensor, "signs", one_score,
         refuses=(("sigmoid", "the hinge loss needs scores of either sign (targets ±1), which a sigmoid output "
                              "(0 to 1) cannot give; use output linear or tanh, or loss mse"),), torch=_hinge_torch),
    Loss("bce", _bce, _bce_tensor, "signs", one_score, link="sigmoid", torch=_bce_torch),
    Loss("cross_entropy", _cross_entropy, _cross_entropy_tensor, "index", one_per_class, link="softmax",
         torch=_cross_entropy_torch),
]}


def get(name):
    return LOSSES[name]


def names():
    """The losses' names: the config's `loss.name` choices."""
    return tuple(LOSSES)


def output_problem(name, output):
    """Why the loss cannot train with this output activation, or None."""
    loss = LOSSES[name]
    if loss.link is not None and not activations.ACTIVATIONS[output].identity:
        return f"the {name} loss applies the {loss.link} itself and needs a linear output, got {output}"
    return dict(loss.refuses).get(output)


# --- the batch's loss on each engine, l2 included --------------------------------------------

def scalar_loss(name, outputs, targets, params=(), l2=0.0):
    """The loss of a batch as one Value: `outputs` is a list (one per sample) of lists of
    Values, `targets` the encoded targets (n × n_out floats), `params` the Values under l2.
    Sums are single n-ary nodes (engine.vsum), so a drawn graph stays readable."""
    per_sample = LOSSES[name].scalar
    terms = [per_sample(out, t) for out, t in zip(outputs, targets.tolist())]
    loss = vsum(terms) * (1.0 / len(terms))
    if l2:
        loss = loss + l2 * vsum([p * p for p in params])
    return loss


def tensor_loss(name, scores, T, params=(), l2=0.0):
    """The loss of a batch as one Tensor: the scores (n x outputs), the encoded targets,
    and the parameter Tensors under l2 (their squares summed in one node)."""
    loss = LOSSES[name].tensor(scores, T)
    if not l2:
        return loss
    params = list(params)
    return loss + Tensor(l2, "l2", requires_grad=False) * (sumsq(params) if params else constant(0.0))


def torch_loss(name, torch, scores, T, flat, l2=0.0):
    """The loss of a batch as a PyTorch scalar: the scores (n x outputs), the encoded targets
    (a tensor, n x columns), and every parameter in one flat tensor under l2."""
    loss = LOSSES[name].torch(torch, scores, T)
    return loss + l2 * torch.dot(flat, flat) if l2 else loss


# --- targets, classes and probabilities: the same numbers for every engine ---------------------

def _bottom(output):
    """A signs target for "not this class" on this output activation (its record's low)."""
    return activations.ACTIVATIONS[output].low


def encode_targets(name, y, n_out, output="linear"):
    """Targets in the form the loss compares the outputs with, as float64 (n × columns)."""
    y = np.asarray(y)
    if y.dtype.kind == "f" or LOSSES[name].targets == "index":  # a number to fit, or the class number
        return y.astype(np.float64).reshape(-1, 1)
    low = _bottom(output)
    if n_out == 1:
        return np.where(y > 0, 1.0, low).reshape(-1, 1)
    t = np.full((len(y), n_out), low)
    t[np.arange(len(y)), y] = 1.0
    return t


def class_threshold(output):
    """A single output's class threshold: the middle of its two targets (0, or 0.5 on a sigmoid)."""
    return (_bottom(output) + 1.0) / 2


def predict_classes(outputs, output="linear"):
    """Class indices from an engine's outputs (n × n_out): the largest output's, or for a
    single output class 1 above class_threshold."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs[:, 0] > class_threshold(output)).astype(int)


def _two_classes(scores):
    p = tensor_engine.sigmoid(scores[:, 0])  # the probability of class 1
    return np.column_stack([1.0 - p, p])


# a link -> the class probabilities (n x classes) from the outputs (n x outputs), in numpy
LINKS = {"sigmoid": _two_classes, "softmax": lambda scores: tensor_engine.softmax(scores, axis=1)}


def probabilities(name, outputs):
    """Class probabilities (n × classes) from the outputs, for a loss with a link; else None."""
    link = LOSSES[name].link
    if link is None:
        return None
    with np.errstate(all="ignore"):  # e^800 is inf, and the probability 0, as the engines' own numbers
        return LINKS[link](np.asarray(outputs, dtype=np.float64))
