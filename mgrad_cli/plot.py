"""Pictures of a training run: the loss and accuracy curves and, for 2-D classification
data, the decision boundary with the data points (as micrograd's demo notebook draws it).

matplotlib is an optional extra (pip install 'mgrad-cli[plot]'): it is imported only
here, only when a figure is drawn, on its Agg backend, and each figure is a
matplotlib.figure.Figure of its own (never pyplot's global state), so nothing leaks
from one call to the next.
"""

import io
import os

import numpy as np

from .errors import OptionalDependencyMissing, UserInputError
from .files import cannot_write, write_atomic

SUFFIXES = (".png", ".svg")
INSTALL = "pip install 'mgrad-cli[plot]'"
GRID_SIDE = 200  # the decision boundary is predicted on a 200×200 grid (on the tensor engine)


def require_matplotlib():
    """Import matplotlib on its Agg backend, or raise OptionalDependencyMissing (exit 1)."""
    try:
        import matplotlib
    except ImportError:
        raise OptionalDependencyMissing(f"drawing a figure needs matplotlib, an optional extra; "
                                        f"install it with: {INSTALL}") from None
    matplotlib.use("Agg")
    return matplotlib


def check_path(path):
    """The format for a figure path ('png' or 'svg'), or UserInputError naming the suffix."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in SUFFIXES:
        raise UserInputError(f"expected a file ending in .png or .svg, got '{path}'")
    return suffix[1:]


def plot_run(path, model, history, points=None, title=None):
    """Draw the run to path (.png or .svg): the curves of `history` (checkpoint records:
    epoch, loss, train_acc, test_acc, lr) and, when the model takes two features and
    `points` = (X raw, y) is given, the decision boundary. Returns what was drawn.
    A path that cannot be written (no such directory, a directory, no permission) raises
    UserInputError."""
    fmt = check_path(path)
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    boundary = points is not None and model.n_features == 2 and model.task == "classification"
    ncols = 2 if boundary else 1
    fig = Figure(figsize=(6.0 * ncols, 4.8), layout="constrained")
    FigureCanvasAgg(fig)
    drawn = ["curves"]
    _curves(fig.add_subplot(1, ncols, 1), history)
    if boundary:
        _boundary(fig.add_subplot(1, ncols, 2), model, *points)
        drawn.append("decision boundary")
    if title:
        fig.suptitle(title)
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}  # the same bytes every run
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=fmt, dpi=100, metadata=metadata)
    except OSError as e:
        raise cannot_write(path, e) from None
    write_atomic(path, buffer.getvalue())
    return drawn


def _curves(ax, history):
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("training")
    if not history:
        ax.text(0.5, 0.5, "no history in this checkpoint", ha="center", va="center", transform=ax.transAxes)
        return
    epochs = [r["epoch"] for r in history]
    loss = np.array([r["loss"] for r in history], dtype=float)
    lines = ax.plot(epochs, loss, color="C0", label="loss")
    finite = loss[np.isfinite(loss)]
    if len(finite) and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")  # a loss falling by orders of magnitude
    accs = [(key, label, color) for key, label, color in (("train_acc", "train accuracy", "C1"),
                                                         ("test_acc", "test accuracy", "C2"))
            if any(r.get(key) is not None for r in history)]
    if accs:
        ax2 = ax.twinx()
        ax2.set_ylabel("accuracy (%)")
        ax2.set_ylim(0, 105)
        for key, label, color in accs:
            pts = [(r["epoch"], 100 * r[key]) for r in history if r.get(key) is not None]
            lines += ax2.plot(*zip(*pts), color=color, label=label)
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")


def _boundary(ax, model, X, y):
    from .evaluate import fast_backend

    k = len(model.class_names)
    backend = fast_backend(model)  # the tensor engine, whichever engine trained the model
    side = GRID_SIDE
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.25 * np.maximum(hi - lo, 1e-9)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], side),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], side))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    Z = model.classes(model.outputs(grid, backend)).reshape(xx.shape)
    levels = np.arange(k + 1) - 0.5
    ax.contourf(xx, yy, Z, levels=levels, cmap="Spectral", vmin=0, vmax=k - 1, alpha=0.8)
    sc = ax.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap="Spectral", vmin=0, vmax=k - 1, edgecolors="k",
                    linewidths=0.5)
    handles, _ = sc.legend_elements()
    present = sorted(set(np.asarray(y, dtype=int).tolist()))
    ax.legend(handles, [model.class_names[c] for c in present], title="class", loc="best", fontsize="small")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel(model.feature_names[0])
    ax.set_ylabel(model.feature_names[1])
    ax.set_title("decision boundary")
