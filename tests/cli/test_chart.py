"""The terminal chart tells the truth (issue 19): each column shows the whole range of the
epochs it covers, the training line shows wherever it runs, a loss spanning more than a
decade gets a log axis (values <= 0 on its bottom edge, with a note), the ticks are nice
numbers on their nearest rows, and the chart fits 80 and 100 columns, plain when piped.
The chart functions directly, and `mgrad train` end to end."""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgrad_cli.cli import chart
from mgrad_cli.numbers import nice_ceiling, tick_text

LINE_GLYPHS = set(chart.LINE.values())
HEAVY_GLYPHS = set(chart.HEAVY.values())


def history(losses, accuracies=None, **held_out):
    """Epoch records as metrics.record_keys makes them: `losses` the training loss; each
    held_out (val_loss=[...], test_acc=[...]) a column of its own."""
    records = []
    for i, loss in enumerate(losses):
        record = {"epoch": i + 1, "loss": loss, "train_acc": None if accuracies is None else accuracies[i]}
        record.update({key: values[i] for key, values in held_out.items()})
        records.append(record)
    return records


def plot(lines, height=chart.HEIGHT, panel=0):
    """The cells of one panel's plot rows (strings, one a row), found under its axis's └."""
    axis = [line.plain for line in lines][height + 1]
    starts = [m.start() for m in re.finditer("└", axis)]
    start = starts[panel] + 1
    end = starts[panel + 1] if panel + 1 < len(starts) else None
    width = len(axis[start:end].rstrip(" "))
    return [line.plain[start:start + width].ljust(width) for line in lines[1:height + 1]]


def draw(losses, width=40):
    """One loss panel of a training curve over epochs 1, 2, ..., titled with no legend."""
    lines, _ = chart.panel("loss", list(range(1, len(losses) + 1)), [("train", losses)], "loss", width=width,
                           titled=False)
    return lines


def column(cells, c):
    return "".join(row[c] for row in cells)


def ticks(lines, height=chart.HEIGHT):
    """{row: label} of the first panel's y axis."""
    found = {}
    for r, line in enumerate(lines[1:height + 1]):
        label = line.plain.split("┤")[0].strip() if "┤" in line.plain.split("│")[0] else ""
        if label:
            found[r] = label
    return found


# --- each column shows the range of its epochs -------------------------------------------------

def test_an_early_spike_reaches_the_top_when_epochs_outnumber_columns():
    losses = [1.0, 5.0] + [1.0 - 0.5 * i / 297 for i in range(298)]  # 300 epochs: a jump at epoch 2
    lines = draw(losses)
    cells = plot(lines)
    assert len(cells[0]) < 300  # fewer columns than epochs
    assert set(cells[0][:2]) & LINE_GLYPHS  # the jump at epoch 2 reaches the top row, in the first columns
    assert set(cells[-1][-3:]) & LINE_GLYPHS  # the last, lowest value reaches the bottom row
    assert all(set(column(cells, c)) & LINE_GLYPHS for c in range(len(cells[0])))  # a line in every column


def test_a_dip_between_two_columns_centres_is_drawn():
    losses = [1.0] * 100
    losses[50] = 0.8  # one epoch, between two columns' epochs at this width
    lines = draw(losses, width=30)
    assert set(plot(lines)[-1]) & LINE_GLYPHS  # the dip is the axis's bottom, and the line gets there


# --- no series hides another -------------------------------------------------------------------

def test_the_training_line_shows_on_every_column_with_held_out_series_on_it():
    losses = [1 / (1 + i) for i in range(60)]
    records = history(losses, val_loss=losses, test_loss=[v * 1.05 for v in losses],
                      val_acc=[0.5] * 60, test_acc=[0.5] * 60, accuracies=[min(1, 0.5 + i / 60) for i in range(60)])
    lines = chart.run_chart(records, "classification", 80)
    cells = plot(lines)
    for c in range(len(cells[0])):
        assert set(column(cells, c)) & (LINE_GLYPHS | HEAVY_GLYPHS), f"no training line in column {c}"
    # the validation loss lies on the line: the line is heavy there, and the legend says so
    assert set("".join(cells)) & HEAVY_GLYPHS
    legend = lines[-1].plain
    assert legend.startswith("── train  ━━ train and val") and "×× val" in legend and "•• test" in legend
    accuracy = plot(lines, panel=1)  # the held-out accuracies at 50% meet: ⊗, named in the legend
    assert "⊗" in "".join(accuracy) and "⊗⊗ val and test" in legend


def test_marks_stay_apart_from_the_line_where_they_differ():
    losses = [1 / (1 + i) for i in range(40)]
    records = history(losses, test_loss=[3.0] * 40)  # far above the training loss
    cells = plot(chart.run_chart(records, "regression", 80))
    assert set(cells[0]) == {"•"}  # the test loss is the top row, all marks
    assert not set("".join(cells)) & HEAVY_GLYPHS


# --- a log axis for a loss that spans more than a decade ---------------------------------------

@pytest.mark.parametrize("low, log", [(0.05, True), (0.0999, True), (0.1, False), (0.2, False)])
def test_log_scale_only_past_a_decade(low, log):
    losses = [1.0 - (1.0 - low) * i / 29 for i in range(29)] + [low]
    lines = draw(losses)
    assert (lines[0].plain.rstrip() == "loss, log scale") == log
    if log:  # the decades are ticks, each on its row
        assert ticks(lines)[0] == "1" and "0.1" in ticks(lines).values()


def test_accuracy_and_r2_stay_linear():
    accuracies = [0.01 + 0.9 * i / 29 for i in range(30)]  # 90x
    lines = chart.run_chart(history([1.0] * 30, accuracies), "classification", 80)
    assert lines[0].plain.split() == ["loss", "accuracy"]
    r2 = [0.001 * 2 ** (i / 3) for i in range(30)]
    lines = chart.run_chart(history([1.0] * 30, train_r2=r2), "regression", 80)
    assert lines[0].plain.split() == ["loss", "r²"]


@pytest.mark.parametrize("bad", [0.0, -0.5])
def test_a_value_at_or_below_zero_lands_on_the_bottom_edge_and_the_axis_says_so(bad):
    losses = [10.0, 5.0, 5.0, bad, 5.0, 5.0, 2.0, 1.0, 0.9, 0.8]  # positives span 12.5x: a log axis
    lines = draw(losses)
    cells = plot(lines)
    c = round(3 * (len(cells[0]) - 1) / 9)  # epoch 4's column
    assert cells[-1][c] in LINE_GLYPHS and cells[-2][c] in LINE_GLYPHS  # a fall from 5 to the bottom edge
    assert lines[0].plain.startswith("loss, log scale")
    assert lines[-1].plain.rstrip() == chart.NOTE == "values ≤ 0 drawn on the bottom edge"
    lines = draw([v if v > 0 else 5.0 for v in losses])
    assert plot(lines)[-1][c] == " " and lines[0].plain.startswith("loss, log scale")
    assert chart.NOTE not in [line.plain.rstrip() for line in lines]


def test_a_linear_axis_draws_zero_as_a_value_with_no_note():
    lines = draw([1.0, 0.0, 0.5], width=30)
    assert lines[0].plain.rstrip() == "loss" and len(lines) == chart.HEIGHT + 3
    assert ticks(lines)[chart.HEIGHT - 1] == "0"


# --- nice ticks on their rows -------------------------------------------------------------------

def is_nice(x):
    mantissa = abs(x) / 10 ** math.floor(math.log10(abs(x)) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))


def check_ticks(axis):
    labels = axis.ticks()
    assert labels, axis
    values = {r: float(label.rstrip("%")) / (100 if axis.percent else 1) for r, label in labels.items()}
    for r, v in values.items():  # each on the row nearest its value
        t = math.log10(v) if axis.log else v
        assert abs(axis.position(t) - r) <= 0.5 + 1e-9, (axis, labels)
    rows = sorted(values)
    if axis.log:
        assert all(is_nice(v) for v in values.values()), labels
    elif len(rows) > 1:
        steps = [values[a] - values[b] for a, b in zip(rows, rows[1:])]
        assert all(math.isclose(step, steps[0], rel_tol=1e-6) for step in steps), labels
        assert is_nice(steps[0] * (100 if axis.percent else 1)), labels
    return labels


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(1e-6, 1e6), st.sampled_from(["loss", "percent", "linear"]))
def test_ticks_are_nice_numbers_on_their_rows(low, span, kind):
    values = [low, low + span] if kind != "percent" else [min(max(low / 1e6, 0), 1), min(max(low / 1e6, 0), 1) + 0.01]
    axis = chart.Axis.fit([__import__("numpy").array(values)], kind, chart.HEIGHT)
    check_ticks(axis)


@settings(max_examples=200, deadline=None)
@given(st.floats(-12, 3), st.floats(1.01, 30))
def test_log_ticks_are_1_2_5_or_decades(low, decades):
    import numpy as np

    axis = chart.Axis.fit([np.array([10 ** low, 10 ** (low + decades)])], "loss", chart.HEIGHT)
    assert axis.log
    labels = check_ticks(axis)
    assert len(labels) >= 2 or decades < 1.5


@pytest.mark.parametrize("values, kind, want", [
    ([0.0109784, 1.72363], "loss", {"1", "0.1", "0.01"}),        # moons: decades
    ([0.2, 1.1], "loss", {"0.2", "0.4", "0.6", "0.8", "1.0"}),   # linear, under a decade
    ([0.5, 1.0], "percent", {"60%", "80%", "100%"}),
    ([-0.0462, 0.5635], "linear", {"0", "0.2", "0.4"}),
    ([0.03, 0.4], "loss", {"0.05", "0.1", "0.2"}),               # a decade and a bit: 1, 2 and 5
])
def test_readable_ticks(values, kind, want):
    import numpy as np

    assert set(chart.Axis.fit([np.array(values)], kind, chart.HEIGHT).ticks().values()) == want


def test_nice_numbers_and_tick_labels():
    assert [nice_ceiling(x) for x in (0.3, 1, 1.2, 7, 0.019)] == [0.5, 1, 2, 10, 0.02]
    assert [tick_text(v, s) for v, s in ((0.6000000000000001, 0.2), (1, 0.2), (0.02, 0.02), (1, 1), (-0.5, 0.5),
                                        (0.0, 0.5), (1e-5, 1e-5), (2e6, 2e6), (1.2e7, 2e6))] == \
        ["0.6", "1.0", "0.02", "1", "-0.5", "0", "1e-5", "2e6", "1.2e7"]


# --- fits, plain, the same each time ------------------------------------------------------------

@pytest.mark.parametrize("width", [80, 100])
def test_the_chart_fits_its_width(width):
    losses = [10.0 ** (300 - 2 * i) for i in range(300)]  # 1e300 to 1e-298
    records = history(losses, [i / 300 for i in range(300)], val_loss=losses[::-1], test_loss=[0.0] * 300,
                      val_acc=[0.5] * 300, test_acc=[0.7] * 300)
    lines = chart.run_chart(records, "classification", width)
    assert lines and max(line.cell_len for line in lines) <= width
    assert chart.NOTE in lines[-2].plain  # test loss 0 on a log axis
    assert [line.plain for line in lines] == [line.plain for line in chart.run_chart(records, "classification", width)]


@pytest.mark.parametrize("width", ["80", "100"])
def test_mgrad_train_draws_the_moons_jump_at_the_top_plain_when_piped(run, width):
    args = ("train", "moons", "--engine", "tensor", "--every", "25", "--chart")
    result = run(*args, env={"COLUMNS": width})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("loss, log scale")))
    drawn = lines[first:first + chart.HEIGHT + 4]
    assert drawn[0].split() == ["loss,", "log", "scale", "accuracy"]
    assert drawn[-1] == "── train"
    assert max(len(line) for line in lines) <= int(width) and "\x1b" not in result.output
    axis = drawn[chart.HEIGHT + 1].index("└")
    top = drawn[1][axis + 1:]
    assert set(top[:3]) & LINE_GLYPHS  # epoch 2's loss, 1.72, is the top of the axis and the line reaches it
    assert {"1", "0.1", "0.01"} <= {line[:axis].split("┤")[0].strip() for line in drawn[1:chart.HEIGHT + 1]}
    again = run(*args, env={"COLUMNS": width}).output.splitlines()
    assert again[first:first + chart.HEIGHT + 4] == drawn  # the same each time
