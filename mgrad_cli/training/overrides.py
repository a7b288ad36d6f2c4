"""Settings changed from the command line: `--set KEY=VALUE` and a sweep's `--grid KEY=V1,V2`.

KEY is a dotted path into the config (optimizer.lr, model.layers, data.noise); VALUE is
YAML, read by strict_yaml with YAML 1.2's numbers (1e-3 is a number) and never executed:
`model.layers=[32,32,1]`, `optimizer=adam`, `batch_size=null`. As Hydra and DVC do, the
config file comes first, then each --set in order, a later one winning; the commands'
own options (--lr, --epochs, --seed, --engine) come last (config.load_config).

The result is checked as a config file is (config.validate_config); a problem with a
setting that a --set gave is reported as that --set's:
    --set optimizer.lrr=0.1: unknown key (did you mean 'lr'?)
    --set model.layers=[0]: model.layers[0]: expected a positive integer, got 0
"""

import re
from dataclasses import dataclass

from . import strict_yaml
from ..errors import ConfigError, shorten

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_SHOWN = 60  # characters of a typed value quoted in a message
_CLOSE = {"[": "]", "{": "}"}


@dataclass(frozen=True)
class Override:
    """One setting: its dotted key, its value (read as YAML), its text as typed, and the
    option that gave it (--set, or a sweep's --grid or --seeds)."""

    key: str
    value: object
    text: str  # the value as typed: the same string means the same value in a child process
    option: str = "--set"

    def typed(self):
        """KEY=VALUE as typed (a long value cut in the middle)."""
        text = self.text if len(self.text) <= _SHOWN else self.text[:_SHOWN // 2] + "..." + self.text[-_SHOWN // 2:]
        return f"{self.key}={text}"


def parse_set(item, option="--set"):
    """'optimizer.lr=1e-3' -> Override('optimizer.lr', 0.001, '1e-3'). Raises ConfigError."""
    key, text = _split_key(item, option, "KEY=VALUE")
    return Override(key, _value(text, f"{option} {key}"), text, option)


def parse_grid(item, option="--grid"):
    """'optimizer.lr=0.1,0.01' -> [Override per value]: the values split at the commas
    outside brackets, braces and quotes, so 'model.layers=[16,1],[32,1]' has two."""
    key, text = _split_key(item, option, "KEY=VALUE1,VALUE2,...")
    values = split_values(text)
    for i, value in enumerate(values):
        if not value:
            raise ConfigError(f"{option} {shorten(item)[1:-1]}: value {i + 1} of {len(values)} is empty")
    return [Override(key, _value(value, f"{option} {key}"), value, option) for value in values]


def split_values(text):
    """The comma-separated values of text, split at the top level only, each stripped."""
    values, start, stack, quote = [], 0, [], None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote == "'" and ch == "'" and text[i + 1:i + 2] == "'":
            i += 1  # '' inside single quotes is one quote
        elif quote == '"' and ch == "\\":
            i += 1  # an escaped character inside double quotes
        elif quote is not None:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in _CLOSE:
            stack.append(_CLOSE[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch == "," and not stack:
            values.append(text[start:i].strip())
            start = i + 1
        i += 1
    values.append(text[start:].strip())
    return values


def _split_key(item, option, form):
    key, equals, text = item.partition("=")
    key = key.strip()
    if not equals or not _KEY.fullmatch(key):
        raise ConfigError(f"{option}: expected {form} with KEY a dotted path such as optimizer.lr, "
                          f"got {shorten(item)}")
    return key, text.strip()


def _value(text, source):
    return strict_yaml.load(text, source)


def apply(raw, overrides):
    """Set each override's value in the raw config dict, in order. A short form on the way
    is expanded (`optimizer: adam` is `{name: adam}`), a missing section made; a path
    through a single setting is refused (seed.x when seed is 3)."""
    for override in overrides:
        node, keys = raw, override.key.split(".")
        for depth, key in enumerate(keys[:-1]):
            child = section(node, key)
            if child is None:
                where = ".".join(keys[:depth + 1])
                raise ConfigError(f"{override.option} {override.typed()}: {where} is {shorten(node[key])}, a single "
                                  f"setting, not a section: set it whole, as --set {where}=VALUE")
            node = child
        node[keys[-1]] = override.value


def section(node, key):
    """node[key] as a section to set a key in: a short form expanded in place
    (`optimizer: adam` becomes `{name: adam}`), a missing one made; None when it is a
    single setting of another kind (a number, a list), which only validation may judge."""
    child = node.get(key)
    if isinstance(child, str):
        child = {"name": child}
    elif child is None:
        child = {}
    elif not isinstance(child, dict):
        return None
    node[key] = child
    return child


def attribute(error, overrides, later=()):
    """The ConfigError to raise for `error` (from validating the config the overrides
    changed): the last --set that gave the field's setting, or a section holding it, names
    it; else the error as it is. `later`: keys the command's own options set after them."""
    field, reason, typed = (getattr(error, name, None) for name in ("field", "reason", "typed"))
    if not field:
        return error
    for override in reversed(overrides):
        key = override.key
        if any(_within(key, k) for k in later):
            continue
        reason = typed(override.option) if typed else reason  # the message as the option says it
        if field == key:
            return ConfigError(f"{override.option} {override.typed()}: {reason}")
        if _within(field, key) or _within(key, field):
            return ConfigError(f"{override.option} {override.typed()}: {field}: {reason}")
    return error


def _within(inner, outer):
    """Whether the path `inner` (model.layers[0]) lies inside `outer` (model, model.layers)."""
    return inner.startswith(outer + ".") or inner.startswith(outer + "[") or inner == outer


def parse_sets(items, option="--set"):
    """[Override] for the --set options, in the order given."""
    return [parse_set(item, option) for item in items]


def named(sets, options=()):
    """The overrides as typed, for a checkpoint: ['--set optimizer.lr=1e-3', '--epochs 5']
    from the --set overrides and (option, value) pairs of the command's own options."""
    return [f"--set {o.key}={o.text}" for o in sets] + [f"{option} {value}" for option, value in options
                                                        if value is not None]
