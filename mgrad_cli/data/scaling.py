"""Unscaled data: inputs (or a regression target) far from the unit scale that a
network's first weights assume (uniform in [-1, 1]: a tanh unit saturates, a ReLU's
pre-activations swing wide, and the loss barely moves). One rule, on the training rows
(the validation and test rows left out), as the data set was read:

    data.standardize is off, and any of
      a feature's |mean| > OFF_SCALE or its standard deviation > OFF_SCALE;
      the standard deviations of the non-constant features differ more than SPREAD
      times (the largest over the smallest);
      a regression target's |mean| > OFF_SCALE or its standard deviation > OFF_SCALE.

The fix is the same for each: data.standardize: true rescales every feature and a
regression target to mean 0, std 1 with the training rows' statistics (predict turns
its outputs back into the target's units). It is a hint: the run itself is unchanged.
The standard deviations are numpy's (ddof 0), as standardization takes them.
"""

from dataclasses import dataclass

import numpy as np

from ..numbers import rough

OFF_SCALE = 5.0  # |mean| or std past this: far from unit scale
SPREAD = 10.0    # largest / smallest std of the non-constant features past this
NAMED = 2        # features the hint names (the farthest first); the rest are counted
FIX = "set data.standardize: true"
HUGE = 1e150     # past this a value's square may overflow: the statistics scale it first


@dataclass(frozen=True)
class Column:
    """A feature or the target, by name, with its training rows' mean and std."""

    name: str
    mean: float
    std: float

    @property
    def off_scale(self):
        return abs(self.mean) > OFF_SCALE or self.std > OFF_SCALE

    def stats(self, show=str):
        return f"{show(self.name)}: mean {rough(self.mean)}, std {rough(self.std)}"


@dataclass(frozen=True)
class Unscaled:
    """Why the data is unscaled: `features`, those off scale (the farthest first);
    `spread`, (the widest, the narrowest) when the stds differ more than SPREAD times,
    else None; `target`, a regression target off scale, else None."""

    features: tuple
    spread: tuple = None
    target: Column = None

    @property
    def inputs(self):
        """Whether the features are unscaled (not only the target)."""
        return bool(self.features or self.spread)

    @property
    def ratio(self):
        """How many times the widest feature's std is the narrowest's (None: within SPREAD)."""
        return None if self.spread is None else self.spread[0].std / self.spread[1].std


def check(dataset, standardize):
    """The rule above for a Dataset (datasets.py) and data.standardize. -> an Unscaled
    saying which columns and why, or None when the data is scaled or standardized."""
    if standardize or len(dataset.train_idx) == 0:
        return None
    X = dataset.X_raw[dataset.train_idx]
    columns = [Column(name, *_stats(X[:, j])) for j, name in enumerate(dataset.feature_names)]
    target = None
    if dataset.task == "regression":
        target = Column(dataset.target, *_stats(dataset.raw_target(dataset.y_train)))
    off = tuple(sorted((c for c in columns if c.off_scale), key=lambda c: -max(abs(c.mean), c.std)))
    varying = [c for j, c in enumerate(columns) if np.ptp(X[:, j]) > 0]  # constant: no spread
    spread = None
    if varying:
        widest, narrowest = max(varying, key=lambda c: c.std), min(varying, key=lambda c: c.std)
        spread = (widest, narrowest) if widest.std > SPREAD * narrowest.std else None
    target = target if target is not None and target.off_scale else None
    return Unscaled(off, spread, target) if off or spread or target else None


def _stats(values):
    """(mean, std) of a column; values so large that their squares overflow are divided by
    the largest first, so their statistics stay finite (a std of 4.7e+199, not inf)."""
    top = float(np.max(np.abs(values)))
    if top <= HUGE:
        return float(values.mean()), float(values.std())
    values = values / top
    return float(values.mean()) * top, float(values.std()) * top


def hint(unscaled, show=str):
    """The problem and the fix in one sentence: 'inputs are far from unit scale (height:
    mean 40, std 8.6; weight: mean 11, std 4.2); set data.standardize: true'. show(name)
    -> a name as it is printed (the terminal cuts a long one)."""
    target = unscaled.target and f"({unscaled.target.stats(show)})"
    if unscaled.features:
        named = [c.stats(show) for c in unscaled.features[:NAMED]]
        rest = len(unscaled.features) - NAMED
        named += [f"and {rest} more"] if rest > 0 else []
        said = f"inputs are far from unit scale ({'; '.join(named)})"
        said += f", and so is the target {target}" if target else ""
    elif unscaled.spread:  # the stds differ, though no feature is off scale
        wide, narrow = unscaled.spread
        said = (f"input scales differ {rough(unscaled.ratio)}x ({show(wide.name)}: std {rough(wide.std)}; "
                f"{show(narrow.name)}: std {rough(narrow.std)})")
        said += f", and the target is far from unit scale {target}" if target else ""
    else:
        said = f"the target is far from unit scale {target}"
    return f"{said}; {FIX}"
