"""The training doctor: it watches each epoch's per-layer statistics (layerstats.py) and
says, once per run, when one stays past a threshold for PATIENCE epochs in a row: the
layer, the epoch it started, the figure and what to try.

The thresholds take the orders of magnitude of "Building makemore part 3" (Karpathy:
saturated tanh units pass back no gradient; dead ReLUs never learn again; update:data
should sit near 1e-3, and far above or below it the learning rate is wrong), calibrated
on every shipped config (trained as shipped on the tensor engine; peaks() gives, per
figure, the worst of one epoch / the worst held for PATIENCE epochs in a row; the table
per config is docs/training.md's, made by docs/doctor_calibration.py):

    DEAD       0.5     a relu layer with half its units dead (lecture: a dead neuron
                       never comes back). Shipped: at most 0.12 / 0.12 (moons, spiral).
    SATURATED  0.75    of tanh or sigmoid outputs in the flat tails (lecture: past a few
                       percent the layer learns slowly). Shipped: at most 0.63 / 0.59
                       (the tanh layers of digits and wine).
    TOO_HIGH   10^0    update:data in any layer: an update as large as the weights (the
                       lecture's guide is 10^-3). Shipped: at most 10^-0.3 / 10^-1.1
                       (micrograd's demo, moons, in its first epochs / iris).
    TOO_LOW    10^-5.5 update:data in every layer: the weights barely move (lecture:
                       far below 10^-3 the learning rate is too low). Shipped: at least
                       10^-4.9 / 10^-4.5 (spiral / moons: their schedules near the end).

The unscaled-inputs cause is named only when data/scaling.py's check fires on the inputs
(data.standardize off, the features far from unit scale: `mgrad train` prints that hint
as the run starts). Then a dead or saturated layer 1, the layer the inputs feed, names the
cause in place of its usual advice ("layer 1: 100% of ReLUs dead since epoch 3:
standardize the inputs"): one line, once per run (a layer is relu, or tanh or sigmoid,
and each line is said once); the hint itself names the columns and the setting.
"""

from dataclasses import dataclass
from typing import Callable

from .layerstats import log10

PATIENCE = 5  # epochs in a row past a threshold before the doctor speaks
DEAD, SATURATED, TOO_HIGH, TOO_LOW = 0.5, 0.75, 0.0, -5.5  # the last two: log10 of update:data
CAUSED = ("dead", "saturated")  # in layer 1 on unscaled data: the inputs are the cause
STANDARDIZE = "standardize the inputs"


@dataclass(frozen=True)
class Rule:
    """One diagnosis. figure(entry) -> the layer's number or None; past(v): beyond the
    threshold; say(k, v, start, epochs) -> what is wrong, and `advice`, what to try (the
    line: "what is wrong: advice"); per_layer False: the rule reads the largest figure
    over the layers (the network as a whole)."""

    name: str
    figure: Callable
    past: Callable
    say: Callable
    advice: str
    per_layer: bool = True
    worse: Callable = max  # which of two figures is further towards the threshold


def _pct(v):
    return f"{100 * v:.0f}%"


RULES = [
    Rule("dead", lambda e: e["dead"], lambda v: v >= DEAD,
         lambda k, v, s, n: f"layer {k}: {_pct(v)} of ReLUs dead since epoch {s}",
         "lower the learning rate, or use tanh"),
    Rule("saturated", lambda e: e["saturated"], lambda v: v >= SATURATED,
         lambda k, v, s, n: f"layer {k}: {_pct(v)} of outputs saturated since epoch {s}",
         "lower the learning rate"),
    Rule("too high", lambda e: log10(e["update_data"]), lambda v: v > TOO_HIGH,
         lambda k, v, s, n: f"layer {k}: update:data 10^{v:.1f} for {n} epochs", "the learning rate is too high"),
    Rule("too low", lambda e: log10(e["update_data"]), lambda v: v < TOO_LOW,
         lambda k, v, s, n: f"update:data 10^{v:.1f}", "the learning rate is too low", per_layer=False, worse=min),
]


class Doctor:
    """examine(record) -> the lines that fire at that epoch (each once per run).
    replay(history) rebuilds its state from a run's records (on resume)."""

    def __init__(self, unscaled=False):
        self.unscaled = unscaled  # whether the unscaled-data check fired on the inputs (data/scaling.py)
        self.streaks = {}  # (rule, layer) -> the epoch its streak started
        self.fired = set()  # (rule, layer) said already
        self.said = []  # every line so far, in order

    def examine(self, record):
        lines = []
        for rule in RULES:
            for k, value in self._figures(rule, record.get("layers") or []):
                key = (rule.name, k)
                if value is None or not rule.past(value):
                    self.streaks.pop(key, None)
                    continue
                start = self.streaks.setdefault(key, record["epoch"])
                n = record["epoch"] - start + 1
                if n >= PATIENCE and key not in self.fired:
                    self.fired.add(key)
                    lines.append(self._say(rule, k, value, start, n))
        self.said += lines
        return lines

    def _say(self, rule, k, value, start, n):
        """The rule's line; on unscaled data, layer 1's dead or saturated line (the layer the
        inputs feed) names that cause in place of the rule's advice."""
        cause = self.unscaled and rule.name in CAUSED and k == 1
        return f"{rule.say(k, value, start, n)}: {STANDARDIZE if cause else rule.advice}"

    @staticmethod
    def _figures(rule, layers):
        values = [(e["layer"], rule.figure(e)) for e in layers]
        if rule.per_layer:
            return values
        known = [v for _, v in values if v is not None]
        return [(None, max(known) if len(known) == len(values) and known else None)]

    def replay(self, history):
        """Carry on from a run's records: the streaks they leave open, the lines they said."""
        self.__init__(self.unscaled)
        for record in history:
            self.examine(record)


def peaks(history):
    """How close a run came to each rule's threshold: {rule name: (the worst figure of
    any one epoch, the worst held for PATIENCE epochs in a row: what the rule compares
    with its threshold)}, over its layers (or the network, for a rule that reads it
    whole); None where no layer has the figure (docs/doctor_calibration.py)."""
    result = {}
    for rule in RULES:
        series = {}  # layer -> its figure at each epoch
        for record in history:
            for k, value in Doctor._figures(rule, record.get("layers") or []):
                series.setdefault(k, []).append(value)
        better = min if rule.worse is max else max
        peak = [v for values in series.values() for v in values if v is not None]
        held = [better(values[i:i + PATIENCE]) for values in series.values()
                for i in range(len(values) - PATIENCE + 1) if None not in values[i:i + PATIENCE]]
        result[rule.name] = (rule.worse(peak) if peak else None, rule.worse(held) if held else None)
    return result
