"""Losses for the scalar engine, built from Values, and the target encodings they share
with every engine.

Each loss is the mean over the batch of a per-sample loss, plus l2 * sum(p*p):
    mse            mean over samples and outputs of (out - t)^2
    hinge          relu(1 - t*score), t = ±1 (micrograd's max-margin loss)
    bce            log(1 + e^(-t*score)), t = ±1: logistic regression on a linear score
    cross_entropy  -log softmax(out)[class] = logsumexp(out) - out[class]
Sums are single n-ary nodes (engine.vsum), so a drawn graph stays readable.
"""

import numpy as np

from .engine import vsum

CLASS_LOSSES = ("hinge", "bce", "cross_entropy")


# --- targets: the same numbers for every engine ------------------------------------------

def encode_targets(loss, y, n_out, output="linear"):
    """Targets in the form `loss` compares against the outputs, as float64 (n × n_out).

    Two classes on one output: ±1 (0/1 for mse on a sigmoid output). Several classes
    with mse: one-hot rows of ±1 (0/1 on a sigmoid output). cross_entropy: the class
    index, in one column. Regression: the values.
    """
    y = np.asarray(y)
    if loss == "cross_entropy":
        return y.astype(np.float64).reshape(-1, 1)
    low = 0.0 if (output == "sigmoid" and loss == "mse") else -1.0  # as predict_classes thresholds
    if y.dtype.kind == "f":  # regression
        return y.astype(np.float64).reshape(-1, 1)
    if n_out == 1:
        return np.where(y > 0, 1.0, low).reshape(-1, 1)
    t = np.full((len(y), n_out), low)
    t[np.arange(len(y)), y] = 1.0
    return t


def predict_classes(outputs, output="linear", loss="mse"):
    """Class indices from an engine's outputs (n × n_out): argmax over several outputs;
    for one output, class 1 when the score is above 0 (0.5 for mse on a sigmoid output)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    threshold = 0.5 if (output == "sigmoid" and loss == "mse") else 0.0
    return (outputs[:, 0] > threshold).astype(int)


# --- the scalar losses -----------------------------------------------------------------

def scalar_loss(name, outputs, targets, params=(), l2=0.0):
    """The loss of a batch as one Value: `outputs` is a list (one per sample) of lists of
    Values, `targets` the encoded targets (n × n_out floats), `params` the Values under l2."""
    per_sample = _PER_SAMPLE[name]
    terms = [per_sample(out, t) for out, t in zip(outputs, targets.tolist())]
    loss = vsum(terms) * (1.0 / len(terms))
    if l2:
        loss = loss + l2 * vsum([p * p for p in params])
    return loss


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


_PER_SAMPLE = {"mse": _mse, "hinge": _hinge, "bce": _bce, "cross_entropy": _cross_entropy}
