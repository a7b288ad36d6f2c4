"""`mgrad plot MODEL.json` and `mgrad train --plot PATH`: PNG/SVG figures, matplotlib optional."""

import json
import re
import sys

import numpy as np
import pytest

from models import as_version, config_path, train_checkpoint

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    train_checkpoint(d / "xor.json", config_path("xor"), epochs=15)
    train_checkpoint(d / "iris.json", config_path("iris"), epochs=5)
    train_checkpoint(d / "diabetes.json", config_path("diabetes"))  # early stopping: 43 epochs, 23's weights
    return d


def is_svg(path):
    text = path.read_text()
    return text.lstrip().startswith(("<?xml", "<svg")) and "<svg" in text


def test_train_plot_png_and_svg(run, tmp_path, matplotlib):
    png, svg = tmp_path / "x.png", tmp_path / "x.svg"
    result = run("train", config_path("xor"), "--epochs", "3", "--plot", png, "-q")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Figure (curves and decision boundary) drawn to {png}."
    assert png.read_bytes().startswith(PNG)
    result = run("train", config_path("xor"), "--epochs", "3", "--plot", svg, "-q")
    assert result.exit_code == 0 and is_svg(svg)


def test_plot_command_default_path_and_formats(run, models, matplotlib):
    result = run("plot", models / "xor.json")
    assert result.exit_code == 0, result.output
    assert result.output == f"Figure (curves and decision boundary) drawn to {models / 'xor.png'}.\n"
    assert (models / "xor.png").read_bytes().startswith(PNG)
    result = run("plot", models / "xor.json", "-o", models / "xor.svg")
    assert result.exit_code == 0 and is_svg(models / "xor.svg")
    svg = (models / "xor.svg").read_text()
    assert "decision boundary" in svg and "test accuracy" in svg


def svg_texts(path):
    """The texts of an SVG figure (matplotlib writes each one as a comment)."""
    return set(re.findall(r"<!-- (.*?) -->", path.read_text()))


def test_both_commands_draw_the_same_figure_with_one_title(run, tmp_path, matplotlib):
    a, b, c, ckpt = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.svg", tmp_path / "x.json"
    assert run("train", config_path("xor"), "--epochs", "3", "--plot", a, "--save", ckpt, "-q").exit_code == 0
    assert run("plot", ckpt, "-o", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert run("plot", ckpt, "-o", c).exit_code == 0
    assert "MLP 2-8-1 (33 parameters) trained 3 epochs on xor" in svg_texts(c)


def test_epochs_are_whole_numbers_classes_colour_blind_safe_test_points_apart(run, tmp_path, matplotlib):
    svg = tmp_path / "x.svg"
    assert run("train", config_path("xor"), "--epochs", "3", "--plot", svg, "-q").exit_code == 0
    texts = svg_texts(svg)
    assert {"1", "2", "3"} <= texts and "2.5" not in texts and "1.5" not in texts  # epoch ticks
    assert {"train", "test", "train loss", "train accuracy", "test accuracy"} <= texts
    fills = set(re.findall(r"fill: (#[0-9a-f]{6})", svg.read_text()))
    assert {"#0072b2", "#e69f00"} <= fills  # Okabe and Ito's blue and orange for classes 0 and 1


def test_the_title_says_which_epochs_weights_early_stopping_kept(run, models, matplotlib):
    svg = models / "diabetes.svg"
    assert run("plot", models / "diabetes.json", "-o", svg).exit_code == 0
    title = " ".join(t for t in re.findall(r"<!-- (.*?) -->", svg.read_text()) if t.startswith(("MLP", "from")))
    assert title == "MLP 10-8-1 (97 parameters) trained 43 epochs on diabetes, weights from epoch 23"


@pytest.mark.parametrize("name", ["xor", "iris", "diabetes"])
def test_legends_and_title_cover_no_data(models, name, matplotlib):
    """Issue 19: the legend covered the R² curves. Each panel's legend lies outside its
    axes (below them), and it and the title within the figure."""
    from mgrad_cli.models import evaluate, plot

    model = evaluate.load_model(models / f"{name}.json")
    points = None
    if name == "xor":  # the decision boundary's panel too
        ds, X = evaluate.training_data(model)
        points = (X, ds.y, ds.is_test)
    fig, drawn = plot.draw_run(model, model.history, points)
    fig.canvas.draw()
    panels = [ax for ax in fig.axes if ax.get_legend() is not None]
    assert len(panels) == len(drawn) == (2 if name == "xor" else 1)
    inside = fig.bbox.padded(1)
    for ax in panels:
        legend = ax.get_legend().get_window_extent()
        for data in fig.axes:  # twin axes share the panel's area
            assert not legend.overlaps(data.get_window_extent())
        assert inside.contains(legend.x0, legend.y0) and inside.contains(legend.x1, legend.y1)
    title = fig._suptitle.get_window_extent()
    assert inside.contains(title.x0, title.y0) and inside.contains(title.x1, title.y1)


def test_more_than_two_features_draws_the_curves_only(run, models, matplotlib):
    result = run("plot", models / "iris.json", "-o", models / "iris.png")
    assert result.output == f"Figure (curves) drawn to {models / 'iris.png'}.\n"


def test_an_older_checkpoint_without_history_still_plots(run, models, tmp_path, matplotlib):
    ckpt = as_version(json.loads((models / "xor.json").read_text()), 1)
    del ckpt["history"]  # (added within version 1: its first files lack it)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(ckpt))
    result = run("plot", old)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "old.png").read_bytes().startswith(PNG)


def test_the_history_is_every_epoch(models):
    history = json.loads((models / "xor.json").read_text())["history"]
    assert [r["epoch"] for r in history] == list(range(1, 16))
    assert list(history[0]) == ["epoch", "loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "lr",
                                "layers", "diagnoses"]


def test_without_matplotlib_says_how_to_install_it(run, models, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    message = ("Error: drawing a figure needs matplotlib, an optional extra; "
               "install it with: pip install matplotlib (or, in mgrad's checkout: pip install -e '.[plot]')\n")
    result = run("plot", models / "xor.json", "-o", tmp_path / "a.png")
    assert (result.exit_code, result.output) == (1, message)
    # train checks before it trains, so no time is lost
    result = run("train", config_path("xor"), "--plot", tmp_path / "b.png", "--save", tmp_path / "b.json")
    assert (result.exit_code, result.output) == (1, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["plot", "train"])
def test_unknown_suffix(run, models, tmp_path, command):
    target = models / "xor.json" if command == "plot" else config_path("xor")
    option = "-o" if command == "plot" else "--plot"
    result = run(command, target, option, tmp_path / "a.jpg")
    assert result.exit_code == 2
    assert f"expected a file ending in .png or .svg, got '{tmp_path / 'a.jpg'}'" in result.output


def test_bad_checkpoint(run, tmp_path, monkeypatch, matplotlib):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text("[]")
    result = run("plot", "x.json")
    assert (result.exit_code, result.output) == (
        2, 'Error: x.json: not an mgrad checkpoint (no "format": "mgrad-checkpoint")\n')


@pytest.mark.parametrize("where, reason", [("nodir/x.png", "No such file or directory"),
                                           ("dir.png", "Is a directory")])
def test_an_unwritable_output_is_one_line_exit_2(run, models, tmp_path, where, reason, matplotlib):
    """Regression: savefig's FileNotFoundError / IsADirectoryError came out as a traceback."""
    (tmp_path / "dir.png").mkdir()
    result = run("plot", models / "xor.json", "-o", tmp_path / where)
    assert (result.exit_code, result.output) == (2, f"Error: cannot write {tmp_path / where}: {reason}\n")


def test_train_plot_write_error_is_one_line_after_saving(run, tmp_path, monkeypatch, matplotlib):
    """A destination that passes the early checks but cannot be written (as /proc/t.png)."""
    from matplotlib.figure import Figure

    def refuse(self, path, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Figure, "savefig", refuse)
    png, ckpt = tmp_path / "x.png", tmp_path / "x.json"
    result = run("train", config_path("xor"), "--epochs", "2", "--plot", png, "--save", ckpt, "-q")
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {png}: Permission denied\n"
    assert ckpt.exists()  # the training is not lost


def test_check_path_raises_the_librarys_error():
    from mgrad_cli.models import plot
    from mgrad_cli.errors import UserInputError

    assert plot.check_path("a.PNG") == "png"
    with pytest.raises(UserInputError, match="expected a file ending in .png or .svg, got 'a.jpg'"):
        plot.check_path("a.jpg")


def test_the_boundary_grid_is_200_by_200_on_the_tensor_engine(models, tmp_path, monkeypatch, matplotlib):
    """As the README says, whatever engine trained the model (xor is scalar): the scalar-only
    grid budget was dead code (fast_backend always gives the tensor engine)."""
    from mgrad_cli.models import evaluate, plot
    from mgrad_cli.backends.tensor import TensorBackend

    model = evaluate.load_model(models / "xor.json")
    assert model.config["engine"] == "scalar"
    seen = []
    outputs = evaluate.Model.outputs

    def spy(self, X, backend=None):
        seen.append((len(X), type(backend)))
        return outputs(self, X, backend)

    monkeypatch.setattr(evaluate.Model, "outputs", spy)
    ds, X = evaluate.training_data(model)
    plot.plot_run(tmp_path / "x.png", model, model.history, (X, ds.y, ds.is_test))
    assert seen == [(200 * 200, TensorBackend)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_train_plot_to_an_unwritable_place_fails_before_training(run, tmp_path, matplotlib):
    """Regression: `train --plot /proc/t.png` trained, then crashed with a traceback."""
    ckpt = tmp_path / "x.json"
    result = run("train", config_path("xor"), "--epochs", "2", "--plot", "/proc/t.png", "--save", ckpt)
    assert result.exit_code == 2
    assert result.output.startswith("Error: cannot write /proc/t.png: ") and result.output.count("\n") == 1
    assert not ckpt.exists()  # stopped before training


def test_a_checkpoint_whose_data_cannot_be_rebuilt_draws_the_curves_with_a_warning(run, models, tmp_path, matplotlib):
    # its config asks for a billion samples: refused by the memory estimate, not generated
    ckpt = as_version(json.loads((models / "xor.json").read_text()), 1)  # (else the row count refuses it first)
    ckpt["config"]["data"]["n_samples"] = 10 ** 9
    (tmp_path / "big.json").write_text(json.dumps(ckpt))
    result = run("plot", tmp_path / "big.json", "-o", tmp_path / "big.png", env={"MGRAD_MAX_MEMORY": "1G"})
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"Warning: {tmp_path / 'big.json'}: config.data.n_samples: 1,000,000,000 "
                                    f"samples of xor with 2 features would need about 89.4 GB of memory")
    assert result.stderr.endswith("; drawing the curves only.\n")
    assert (tmp_path / "big.png").read_bytes().startswith(PNG)


def test_a_big_data_set_draws_a_sample_of_its_points(models, tmp_path, monkeypatch, matplotlib):
    import matplotlib.axes

    from mgrad_cli.models import evaluate, plot

    drawn = []
    scatter = matplotlib.axes.Axes.scatter

    def counting(self, x, *args, **kwargs):
        drawn.append(len(x))
        return scatter(self, x, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "scatter", counting)
    model = evaluate.load_model(models / "xor.json")
    X = np.random.default_rng(0).normal(size=(12_000, 2))
    y, is_test = (X[:, 0] > 0).astype(int), np.arange(12_000) % 5 == 0
    plot.plot_run(tmp_path / "x.png", model, model.history, (X, y, is_test))
    assert sum(drawn) == plot.MAX_POINTS == 5_000
    assert 0 < drawn[1] < drawn[0]  # held-out points among them
