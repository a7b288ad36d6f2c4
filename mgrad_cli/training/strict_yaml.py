"""YAML parsed strictly and within bounds: what the config loader reads files with.

PyYAML's safe loader, with the document checked between composing its nodes and
constructing Python objects from them:

- A key written twice in one mapping is an error naming the key and both lines (PyYAML
  would keep the last one silently). Keys merged in with `<<: *name` may be overridden.
- Aliases (`*name`, `<<: *name`) may add at most limits.YAML_ALIAS_NODES nodes to the
  document. Ten levels of `&aN [*aM, *aM, ...]` (the "billion laughs" shape) are 500 bytes
  of text and 10**9 nodes once expanded; every use of the result (validating it, saving it
  in a checkpoint, quoting it in a message) would expand it.
- Nesting deeper than limits.YAML_DEPTH levels is refused (a config needs four).
- An alias inside its own anchor (a document that contains itself) is refused, and so is
  an integer too long for Python to convert.

Numbers are YAML 1.2's (numbers.py's rule), not YAML 1.1's, which PyYAML reads: 1e-3 is
a number (PyYAML: the string "1e-3"), while 1_0, 0777, 0b11 and 1:30 are strings
(PyYAML: 10, 511, 3 and 90), so a numeric setting refuses them by name. So are booleans:
true and false, while yes, no, on and off are text (PyYAML: booleans), which a true-or-
false setting refuses saying what to write, and a key `on:` is named on. .inf and .nan
are floats, refused by the settings' ranges. A date such as 2001-01-01 is text, as in
YAML 1.2 (PyYAML builds a Python date, which messages would show as its repr).

The caller bounds the text's length (limits.CONFIG_BYTES) before parsing it: the pure
Python loader reads about 50 KB a second, and its messages are the same on every install
(libyaml's, 20 times faster, word its errors otherwise). Errors are ConfigError("SOURCE:
...") in one line, naming the line and column where there is one; a tab, which YAML
never takes for indentation, is named as one (not PyYAML's "found character '\\t' that
cannot start any token").
"""

import re

import yaml

from ..errors import ConfigError, shorten
from ..limits import YAML_ALIAS_NODES, YAML_DEPTH
from ..numbers import INTEGER, NUMBER

_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"
_INT_DIGITS = 4300  # sys.get_int_max_str_digits()'s default
_TAB = "found character '\\t' that cannot start any token"  # PyYAML's words for any misplaced tab
_BREAKS = "\r\n\x85\u2028\u2029"  # YAML's line breaks
_SPECIAL = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2's numbers (numbers.py) in place of YAML 1.1's."""


_Loader.yaml_implicit_resolvers = {  # (and no timestamps: YAML 1.2 reads 2001-01-01 as text)
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT, _TIMESTAMP, _BOOL)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver(_BOOL, re.compile("^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# YAML 1.1's other booleans, text in YAML 1.2: a setting that wants true or false names them
YAML11_BOOLEANS = {word: word.lower() in ("yes", "on", "y") for stem in ("yes", "no", "on", "off", "y", "n")
                   for word in (stem, stem.capitalize(), stem.upper())}
_Loader.add_implicit_resolver(_INT, re.compile(f"^{INTEGER}$"), list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT, re.compile(f"^(?:{NUMBER}|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"),
                              list("-+.0123456789"))


def _float(loader, node):
    text = loader.construct_scalar(node)
    return _SPECIAL[text.lower()] if text.lower() in _SPECIAL else float(text)


_Loader.add_constructor(_INT, lambda loader, node: int(loader.construct_scalar(node)))  # 0777 is 777
_Loader.add_constructor(_FLOAT, _float)




def load(text, source):
    """The Python value of one YAML document (None for an empty one), its numbers YAML
    1.2's (numbers.py's rule): a config file's and a --set value's alike."""
    try:
        loader = _Loader(text)  # (checks the characters)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check(node, source)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = _tab(mark) if e.problem == _TAB else e.problem or e.context or "cannot parse"
        raise ConfigError(f"{source}: invalid YAML{_at(mark)}: {problem}") from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow (its message spans lines)
        code = e.character if isinstance(e.character, int) else ord(e.character)
        raise ConfigError(f"{source}: invalid YAML at character {e.position + 1}: "
                          f"unacceptable character #x{code:04x}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{source}: invalid YAML: {' '.join(str(e).split())[:200]}") from None
    except RecursionError:
        raise ConfigError(f"{source}: invalid YAML: nested too deeply") from None
    except ValueError as e:  # a value PyYAML recognises but cannot build
        raise ConfigError(f"{source}: invalid YAML: cannot read a value ({shorten(str(e))})") from None


def _tab(mark):
    """PyYAML's words for a tab (_TAB) as a user would say them: where the tab is."""
    text, i = mark.buffer or "", min(mark.pointer, len(mark.buffer or ""))
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i == 0 or text[i - 1] in _BREAKS:
        return "a tab in indentation; YAML indents with spaces"
    return "a tab where YAML expects a space; use spaces"


def _at(mark):
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _children(node):
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check(root, source):
    """Refuse repeated keys, self-containing anchors, and aliases that add more than
    YAML_ALIAS_NODES nodes. Iterative (depth-first, post-order): a node's expanded size is
    1 + its children's, each counted once per use; a node met again is an alias's."""
    size = {}                     # id(node) -> nodes it stands for, expanded
    added = 0                     # nodes the aliases add
    stack = [(root, False, 1)]
    open_nodes = set()            # ids of the nodes on the path from the root to this one
    while stack:
        node, done, depth = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            continue
        if key in open_nodes:
            raise ConfigError(f"{source}: invalid YAML{_at(node.start_mark)}: an alias inside its own "
                              f"anchor (the document would contain itself)")
        if key in size:  # met before: an alias of it
            added += size[key]
            if added > YAML_ALIAS_NODES:
                raise ConfigError(f"{source}: invalid YAML{_at(node.start_mark)}: aliases expand the "
                                  f"document by more than {YAML_ALIAS_NODES:,} nodes (the limit); "
                                  f"write the settings out instead")
            continue
        if depth > YAML_DEPTH:
            raise ConfigError(f"{source}: invalid YAML{_at(node.start_mark)}: nested more than "
                              f"{YAML_DEPTH} levels deep (the limit)")
        if isinstance(node, yaml.MappingNode):
            _no_repeated_keys(node, source)
        elif node.tag == _INT and len(node.value) > _INT_DIGITS:
            raise ConfigError(f"{source}: invalid YAML{_at(node.start_mark)}: a number of "
                              f"{len(node.value):,} digits (Python reads integers of up to {_INT_DIGITS:,})")
        open_nodes.add(key)
        stack.append((node, True, depth))
        stack.extend((c, False, depth + 1) for c in reversed(_children(node)))


def _no_repeated_keys(node, source):
    seen = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE:
            continue
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            raise ConfigError(f"{source}: invalid YAML{_at(key.start_mark)}: the key {shorten(key.value)} "
                              f"appears twice in one mapping (first on line {first.start_mark.line + 1})")
