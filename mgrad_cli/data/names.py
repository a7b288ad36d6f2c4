"""Names that come from a user's data (CSV headers, class labels, a CSV's file name, the
names stored in a checkpoint): one rule, checked where they are read.

A name holding a control character is refused: C0 and C1 controls and DEL (Unicode
category Cc), format characters (Cf: bidi controls such as U+202E, zero-width marks such
as U+200B, the byte order mark), line and paragraph separators (Zl, Zp: U+2028, U+2029)
and lone surrogates (Cs, which a checkpoint's JSON can spell as \\ud800). Such a character
moves a terminal's cursor, clears or retitles its window, ends a line of code early, or
reorders what a reader sees; no column or class needs one. The error shows the name
escaped (its repr), so the message itself stays one harmless line.

Every other name is data, and each medium it reaches escapes it in one place:
    the terminal      cli/console.py: consoles read no markup and no emoji codes
    Python source     models/export.py: a string literal made by repr, never a comment
    matplotlib        models/plot.py: `$` escaped (no maths), TeX off
    Graphviz          inspect/dot.py: & < > quotes and backslashes escaped, long labels cut
    HTML and script   inspect/page.py: escaped, also </script>, U+2028 and U+2029
    JSON              json.dumps (ASCII only)
"""

import unicodedata

from ..errors import shorten

# the Unicode general categories a name may not hold
REFUSED_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def control_character(name):
    """The first character of `name` the rule refuses, or None."""
    if name.isprintable():  # (at C speed) no character of those categories, nor Zs but the space
        return None
    for c in name:
        if unicodedata.category(c) in REFUSED_CATEGORIES:
            return c
    return None


def problem(name, what="the name"):
    """Why `name` is refused, in words ("the class name 'a\\x1b' holds a control character
    (U+001B)"), or None when it is a name."""
    if not isinstance(name, str):
        return None
    c = control_character(name)
    if c is None:
        return None
    return f"{what} {shorten(name)} holds a control character (U+{ord(c):04X}); a name must be printable text"
