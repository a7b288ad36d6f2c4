"""Pictures of a training run: the loss and accuracy curves and, for 2-D classification
data, the decision boundary with the data points (as micrograd's demo notebook draws it).

matplotlib is an optional extra (pip install matplotlib): it is imported only
here, only when a figure is drawn, on its Agg backend, and each figure is a
matplotlib.figure.Figure of its own (never pyplot's global state), so nothing leaks
from one call to the next.
"""

import io
import os

import numpy as np

from .. import extras
from ..errors import OptionalDependencyMissing, UserInputError
from ..files import cannot_write, check_output, write_atomic

SUFFIXES = (".png", ".svg")
GRID_SIDE = 200  # the decision boundary is predicted on a 200×200 grid (on the tensor engine)
MAX_POINTS = 5_000  # data points drawn at most (a seeded sample of bigger data sets)
# Okabe and Ito's colour-blind-safe palette without its yellow, which is lost on white:
# blue, orange, bluish green, vermillion, reddish purple, sky blue, black
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
# the curves: colour says the quantity, the line says the rows it is measured on
SPLIT_STYLES = {"train": "-", "val": ":", "test": "--"}


def require_matplotlib():
    """Import matplotlib on its Agg backend, or raise OptionalDependencyMissing (exit 1)."""
    matplotlib = extras.require("matplotlib", "drawing a figure", "plot", error=OptionalDependencyMissing)
    matplotlib.use("Agg")
    # a user's matplotlibrc may ask for TeX: names from the data would be run through LaTeX
    matplotlib.rcParams["text.usetex"] = False
    return matplotlib


def plot_text(name):
    """A name from the data as matplotlib draws it literally: every `$` escaped, so no
    maths is parsed ("$\\foo$" is drawn as written, not refused by mathtext). The one
    place a name reaches matplotlib (data/names.py); TeX is turned off by require_matplotlib."""
    return str(name).replace("$", r"\$")


def check_path(path):
    """The format for a figure path ('png' or 'svg'), or UserInputError naming the suffix
    (or a directory: files.check_output)."""
    check_output(path)
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix not in SUFFIXES:
        raise UserInputError(f"expected a file ending in .png or .svg, got '{path}'")
    return suffix[1:]


def plot_run(path, model, history, points=None):
    """Draw the run to path (.png or .svg), titled with model.title: the curves of
    `history` (checkpoint records: epoch, loss, test_loss, val_loss, train_acc, test_acc,
    lr) and, when the model takes two features and `points` = (X raw, y, is_test) is given,
    the decision boundary over the points (held-out ones marked apart). Returns what was drawn.
    A path that cannot be written (no such directory, a directory, no permission) raises
    UserInputError."""
    fmt = check_path(path)
    fig, drawn = draw_run(model, history, points)
    save_figure(fig, path, fmt)
    return drawn


def draw_run(model, history, points=None):
    """The figure plot_run draws, and what it holds: (matplotlib Figure, ["curves", ...])."""
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
    fig.suptitle(plot_text(model.title), wrap=True)  # a long title wraps within the figure
    return fig, drawn


def save_figure(fig, path, fmt):
    """Write a figure to path as fmt ('png' or 'svg'), atomically and the same bytes every
    time (no date or software version in it)."""
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=fmt, dpi=100, metadata=metadata)
    except OSError as e:
        raise cannot_write(path, e) from None
    write_atomic(path, buffer.getvalue())


def _curves(ax, history):
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_ylabel("loss")
    ax.set_title("training")
    if not history:
        ax.text(0.5, 0.5, "no history in this checkpoint", ha="center", va="center", transform=ax.transAxes)
        return
    lines = _split_lines(ax, history, "loss", "loss", PALETTE[0], scale=1)
    n_loss = len(lines)
    loss = np.array([r[k] for r in history for k in ("loss", "test_loss", "val_loss") if r.get(k) is not None])
    finite = loss[np.isfinite(loss)]
    if len(finite) and finite.min() > 0 and finite.max() / finite.min() > 100:
        ax.set_yscale("log")  # a loss falling by orders of magnitude
    if any(r.get("train_acc") is not None for r in history):
        ax2 = ax.twinx()
        ax2.set_ylabel("accuracy (%)")
        ax2.set_ylim(0, 105)
        lines += _split_lines(ax2, history, "acc", "accuracy", PALETTE[1], scale=100)
    elif any(r.get("train_r2") is not None for r in history):  # a regression: R² beside the loss
        ax2 = ax.twinx()
        ax2.set_ylabel("R²")
        lines += _split_lines(ax2, history, "r2", "R²", PALETTE[1], scale=1)
        ax2.set_ylim(max(ax2.get_ylim()[0], -1.0), 1.0)  # first epochs far below -1 would flatten the rest
    # one row for the loss alone; beside accuracy or R², a column per quantity
    legend_below(ax, lines, ncols=n_loss if len(lines) == n_loss else 2)


def legend_below(ax, handles, ncols, title=None):
    """The legend under the axes (below the x label), never over the data."""
    ax.legend(handles=handles, title=title, ncols=ncols, fontsize="small", loc="upper center",
              bbox_to_anchor=(0.5, -0.14), borderaxespad=0)


def _split_lines(ax, history, key, label, color, scale):
    """A line per split that has values: `key` on train (the key itself for the loss), val, test."""
    lines = []
    for split, style in SPLIT_STYLES.items():
        name = key if (split, key) == ("train", "loss") else f"{split}_{key}"
        pts = [(r["epoch"], scale * r[name]) for r in history if r.get(name) is not None]
        if pts:
            lines += ax.plot(*zip(*pts), color=color, linestyle=style, label=f"{split} {label}")
    return lines


def _boundary(ax, model, X, y, is_test=None):
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D

    from .evaluate import fast_backend

    k = len(model.class_names)
    colors = [PALETTE[c % len(PALETTE)] for c in range(k)]
    cmap = ListedColormap(colors)
    backend = fast_backend(model)  # the fast engine (backends.FAST), whichever engine trained the model
    side = GRID_SIDE
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.25 * np.maximum(hi - lo, 1e-9)
    xx, yy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], side),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], side))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    Z = model.classes(model.outputs(grid, backend)).reshape(xx.shape)
    ax.contourf(xx, yy, Z, levels=np.arange(k + 1) - 0.5, cmap=cmap, vmin=-0.5, vmax=k - 0.5, alpha=0.25)
    is_test = np.zeros(len(X), dtype=bool) if is_test is None else np.asarray(is_test, dtype=bool)
    present = sorted(set(np.asarray(y, dtype=int).tolist()))
    shown = np.arange(len(X))
    if len(X) > MAX_POINTS:  # a seeded sample: matplotlib takes minutes over millions of markers
        shown = np.sort(np.random.default_rng(0).choice(len(X), MAX_POINTS, replace=False))
    for rows, marker in ((~is_test, "o"), (is_test, "^")):  # training points round, held-out triangles
        rows = shown[rows[shown]]
        ax.scatter(X[rows, 0], X[rows, 1], c=np.asarray(y)[rows], s=40, marker=marker, cmap=cmap,
                   vmin=-0.5, vmax=k - 0.5, edgecolors="k", linewidths=0.5)
    handles = [Line2D([], [], marker="s", linestyle="", color=colors[c], markeredgecolor="k",
                      label=plot_text(model.class_names[c])) for c in present]
    if is_test.any():
        handles += [Line2D([], [], marker=m, linestyle="", color="white", markeredgecolor="k", label=what)
                    for m, what in (("o", "train"), ("^", "test"))]
    title = "class" if len(shown) == len(X) else f"class ({len(shown):,} of {len(X):,} points)"
    legend_below(ax, handles, title=title, ncols=min(len(handles), 5))
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel(plot_text(model.feature_names[0]))
    ax.set_ylabel(plot_text(model.feature_names[1]))
    ax.set_title("decision boundary")
