"""How numbers read, everywhere mgrad shows one: in the terminal's tables, on a graph's
nodes, in the HTML page, in explanations and in JSON. One module, so a number reads the
same wherever it appears; a width or a number of digits is a parameter, not a copy.

And what a number is, wherever mgrad reads one (a config's setting, a CSV cell, an
--input value), by one rule: a plain number as YAML 1.2 writes one, an optional sign,
digits with an optional decimal point, and an optional exponent: 10, -3, 0.5, .5, 2.,
1e-3, 2.5E+4. Nothing else is a number, though Python's float() takes it: 1_000, １０
(full-width digits), 0x1F, 1,000, a quoted "0.5" in a config, or a number with other text
or padding around it (in a CSV cell or --input value only spaces and tabs around it are
allowed, as CSV files are often written "1, 2"). A numeric setting also needs a finite
value in its range. pyarrow's CSV reader (data/csvarrow.py) reads the same numbers.
"""

import math
from decimal import ROUND_HALF_UP, Decimal
import re

# the rule, as a regular expression; INTEGER: the same without a point or an exponent
NUMBER = r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
INTEGER = r"[-+]?[0-9]+"
CELL_PADDING = " \t"  # around a CSV cell or an --input value: ignored
_NUMBER = re.compile(NUMBER)
# a character no number by the rule holds; with none of them, what Python's float() reads
# is a number by the rule (it adds only underscores, other digits and spaces, inf, nan)
_NOT_IN_A_NUMBER = re.compile(r"[^0-9+\-.eE \t]")


def read_number(text):
    """The float a CSV cell or an --input value holds by the rule above (spaces and tabs
    around it ignored; inf for a number past float64's range), or None."""
    text = text.strip(CELL_PADDING)
    return float(text) if _NUMBER.fullmatch(text) else None


def number_characters(cells):
    """Whether the cells (strings) hold only characters a number by the rule may have: then
    float() of each reads it by the rule or fails. One search over them joined, at C speed,
    for a whole CSV's columns (parse_columns converts them with numpy next)."""
    return _NOT_IN_A_NUMBER.search("".join(cells)) is None


def format_number(x):
    """4 decimals as in the lecture (2.0000, -0.7071); scientific when that would hide
    the value (1.0000e-08, 3.8742e+08); inf, -inf, nan and -0.0000 as themselves."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and not 1e-4 <= abs(x) < 1e9:
        return f"{x:.4e}"
    return f"{x:.4f}"


def round_significant(x, digits=4):
    """|x| rounded to `digits` significant digits, halves away from zero, on the exact
    value of the float (as JavaScript's toExponential does, so the HTML page rounds
    alike): -> (negative, Decimal). inf and nan are not rounded: (negative, x)."""
    if not math.isfinite(x):
        return (x < 0, x)
    exact = Decimal(abs(x))  # a float's exact binary value, every digit of it
    if exact == 0:
        return (False, exact)
    step = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    return (x < 0, exact.quantize(step, rounding=ROUND_HALF_UP))


def significant(x, digits=4):
    """x to `digits` significant digits, as a person writes it: 2, -3, 0.7071, 6.881,
    1.235e+06; 0 for zero (either sign); inf, -inf, nan."""
    negative, rounded = round_significant(x, digits)
    if not math.isfinite(x):
        return format_number(x)
    if rounded == 0:
        return "0"
    text = f"{float(rounded):.{digits}g}"  # the nearest float to a 4-digit decimal prints as it
    return "-" + text if negative else text


def rough(x):
    """A statistic as a sentence gives it: two significant digits (8.7, 0.025), a whole
    number from 10 to a million (40, 1500, 213456), past that an exponent (2.1e+07)."""
    if not math.isfinite(x) or abs(x) < 10 or abs(x) >= 1e6:
        return significant(x, 2)
    return f"{x:.0f}"


def number(x, width=12, digits=6):
    """x with `digits` significant digits (fixed-point from 1e-4 up to 10**digits, else
    with an exponent), in at most `width` characters: a table column that any value fits,
    whatever its magnitude (a loss of 4937.654736 or 1.2e+300 alike)."""
    if x is None:
        return "-"
    if not math.isfinite(x) or x == 0:
        return str(x) if x else "0"
    for d in range(digits, 0, -1):
        magnitude = math.floor(math.log10(abs(float(f"{x:.{d - 1}e}"))))  # after rounding: 99999.99 is 1e5
        text = f"{x:.{d - 1 - magnitude}f}" if -4 <= magnitude < d else f"{x:.{d - 1}e}"
        if len(text) <= width:
            return text
    return text


def literal_text(x):
    """A constant as a person writes it: 2, -1, 0.5, 1e-08, inf (6 significant digits)."""
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def percent(fraction):
    return "-" if fraction is None else f"{100 * fraction:.1f}%"


def duration(seconds):
    """'412 ms' under a second, '3.2 s' under a minute, then '2 min 05 s'."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1000:.1g} ms"
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def plural(n, word, words=None):
    """'1 epoch', '3 epochs'; `words` for an irregular plural."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def shape_text(shape):
    """(64, 32) -> '64×32'; a single number: 'scalar'."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


def summarize(array):
    """An array's numbers in a few characters: the value of a single number, else the
    Euclidean norm between bars (‖x‖ = sqrt of the sum of squares)."""
    if array.size == 1:
        return format_number(float(array.reshape(())))
    return f"‖{format_number(math.sqrt(float((array * array).sum())))}‖"


def json_number(v):
    """JSON has no inf or nan: -> v, or for those the strings "inf", "-inf", "nan"."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


# --- a chart's ticks --------------------------------------------------------------------------

NICE = (1, 2, 5)  # a "nice" number is one of these times a power of ten: 0.05, 0.1, 0.2, 0.5, 1, 2


def nice_ceiling(x):
    """The smallest nice number (1, 2 or 5 times a power of ten) at or above x > 0:
    0.3 -> 0.5, 1 -> 1, 1.2 -> 2, 7 -> 10. As the float nearest the decimal (0.2, not
    2 * 0.1)."""
    exponent = math.floor(math.log10(x))
    for power in (exponent, exponent + 1):
        for mantissa in NICE:
            value = float(f"{mantissa}e{power}")
            if value >= x * (1 - 1e-9):
                return value
    raise AssertionError(x)  # 10 ** (exponent + 1) > x always


def nice_above(step):
    """The next nice number after the nice `step`: 0.1 -> 0.2 -> 0.5 -> 1."""
    return nice_ceiling(step * 1.5)


def tick_text(value, step):
    """A tick's label: `value`, a multiple of the nice `step`, with the digits the step
    needs and no more: 0.2, 0.05, 1, 1.5, 20, 100000; an exponent past that: 1e-5, 2e6,
    1.5e7. A log axis's tick is its own step (0.01, 0.02, 0.05, 0.1)."""
    if abs(value) < abs(step) * 1e-6:
        return "0"
    step_power = math.floor(math.log10(abs(step)) + 1e-9)
    if step >= 1e-4 and abs(value) < 1e6:
        return f"{value:.{max(0, -step_power)}f}"
    power = math.floor(math.log10(abs(value)) + 1e-9)
    mantissa, power = f"{value:.{max(0, power - step_power)}e}".split("e")
    return f"{mantissa}e{int(power)}"


def tick_percent(fraction, step):
    """A tick of fractions shown as percents: 0.7 (step 0.1) -> 70%, 0.995 (step 0.005) ->
    99.5%."""
    return tick_text(100 * fraction, 100 * step) + "%"
