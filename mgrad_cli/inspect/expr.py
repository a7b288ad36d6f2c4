"""The expression language of `mgrad graph` and `mgrad gradcheck`: parsed, never executed.

    e = a*b; d = e + c; L = d * f

Statements are separated by `;` or newlines; `name = expression` names a node, and the
last statement is the output. Expressions are numbers, names, `+ - * / **`, unary `-`
and `+`, parentheses and calls of the engine's functions (exp, log, tanh, ...).

The text is parsed by Python's `ast` module and then checked against a whitelist:
anything else (attributes, subscripts, strings, lambdas, calls of anything that is not
one of our functions, ...) is refused with an ExpressionError that points at the
offending column. Operators and function names come from the op table (ops.OPS), read
at parse time, so a new entry there is usable here with no change to this file.

The checked program is compiled to a flat list of steps (one per node), so evaluating
it is a loop, not a recursion, and every number is a float64 going through the
engine: `9**9**9**9` is inf at once, never a Python big integer.
"""

import ast
import difflib
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass

from ..autograd import value as engine, ops
from ..errors import ExpressionError, shorten

MAX_LENGTH = 2000  # characters: far more than any expression a person types
MAX_DEPTH = 100  # levels of nesting (parentheses, calls, unary signs, powers)
MAX_NODES = 1000  # numbers, names and operations, over all statements

# Python's operator classes and the symbol each one is written with. Which of them
# mgrad supports is decided by the op table (the 'infix' and 'prefix' entries).
_BINOP_SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}
_UNARY_SYMBOLS = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~", ast.Not: "not"}

OUTPUT_LABEL = "out"  # the label of a last statement that is a bare expression

# What the whitelist calls the Python constructs it refuses.
_REFUSED = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "subscripts are not allowed",
    ast.JoinedStr: "strings are not allowed: only numbers",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.Compare: "comparisons are not supported",
    ast.BoolOp: "and/or are not supported",
    ast.IfExp: "conditional expressions are not supported",
    ast.Tuple: "tuples are not allowed",
    ast.List: "lists are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.NamedExpr: "':=' is not supported: write `name = expression` as a statement of its own",
    ast.AugAssign: "augmented assignment (+= and the like) is not supported: use a new name",
    ast.AnnAssign: "annotations are not supported",
}


@dataclass(frozen=True)
class Step:
    """One node of the compiled program.

    kind 'input' (a bound name), 'const' (a number) or 'apply' (op applied to the
    nodes made by earlier steps, `args` being their indices). `label` is the name a
    statement gave the node ('' if none).
    """

    kind: str
    name: str = ""
    value: float = 0.0
    op: object = None
    args: tuple = ()
    label: str = ""


@dataclass(frozen=True)
class Program:
    """A checked expression: run it with evaluate(program, bindings)."""

    source: str
    steps: tuple
    inputs: tuple  # the names to bind, in order of first use
    names: tuple  # (name, step index) for every input and every assigned name
    output: int  # the index of the step whose node is the output
    input_columns: tuple  # the column where each input is first used (for carets)


def parse(text):
    """Check `text` and compile it to a Program, or raise ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is too long ({len(text)} characters; the limit is {MAX_LENGTH})")
    _check_nesting(text)
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.split("\n")):
        raise ExpressionError("the expression is empty")
    return _Compiler(text).compile()


def parse_bindings(args):
    """["a=2", "b=-3"] -> {"a": 2.0, "b": -3.0}; values are numbers (inf and nan too).
    Names are NFKC-normalised as the expression's are: µ=1 binds the μ of "µ + 1"."""
    bindings = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        name_s = unicodedata.normalize("NFKC", name.strip())  # as Python reads the expression's names
        if not sep:
            if arg.startswith("-"):
                raise ExpressionError(f"no such option: {arg}")
            raise ExpressionError(f"expected NAME=VALUE, got {shorten(arg)}", source=arg, column=len(arg))
        if not name_s.isidentifier():
            raise ExpressionError(f"{shorten(name_s)} is not a valid name in {shorten(arg)}", source=arg, column=0)
        try:
            number = float(value)
        except ValueError:
            raise ExpressionError(
                f"the value of {name_s} is not a number: {shorten(value)}", source=arg, column=len(name) + 1) from None
        if name_s in bindings:
            also = f" ({name.strip()!r} is {name_s} once normalised)" if name_s != name.strip() else ""
            raise ExpressionError(f"{name_s} is bound twice{also}", source=arg, column=0)
        bindings[name_s] = number
    return bindings


def bind(program, args):
    """The NAME=VALUE arguments of the commands that run an expression, read once for all:
    -> ({input: number} for the names the program uses, [the bound names it does not use]).
    An unused name is left out (the commands warn about it); binding a name the
    expression computes is an ExpressionError."""
    bindings = parse_bindings(args)
    _check_assigned(program, bindings)
    unused = [name for name in bindings if name not in program.inputs]
    return {name: v for name, v in bindings.items() if name not in unused}, unused


def _check_assigned(program, bindings):
    assigned = {name for name, i in program.names if program.steps[i].kind != "input"}
    for name in bindings:
        if name in assigned:
            raise ExpressionError(f"{name} is computed by the expression, so it cannot be bound to a value")


def evaluate(program, bindings):
    """Run a Program: -> (output Value, {name: Value} for every input and named node).

    `bindings` maps each input name to a number, or to a Value to use as that leaf
    (gradcheck reuses its leaves this way while it nudges them); a name the program
    does not use is ignored (bind() tells which).
    """
    missing = [n for n in program.inputs if n not in bindings]
    if missing:
        listed = ", ".join(missing)
        example = " ".join(f"{n}=1.0" for n in missing)
        noun = "value" if len(missing) == 1 else "values"
        raise ExpressionError(
            f"no {noun} for {listed}: bind {'it' if len(missing) == 1 else 'each'} as NAME=VALUE, e.g. {example}",
            source=program.source, column=program.input_columns[program.inputs.index(missing[0])])
    _check_assigned(program, bindings)

    nodes = []
    for step in program.steps:
        if step.kind == "input":
            leaf = bindings[step.name]
            if isinstance(leaf, engine.Value):
                leaf.label = step.name
            else:
                leaf = engine.Value(float(leaf), step.name)
            nodes.append(leaf)
        elif step.kind == "const":
            nodes.append(engine.Value(step.value, step.label))
        else:
            node = engine.apply(step.op, *[nodes[i] for i in step.args])
            node.label = step.label
            nodes.append(node)
    return nodes[program.output], {name: nodes[i] for name, i in program.names}


def run(text, bindings):
    """parse + evaluate in one call: -> (output Value, {name: Value})."""
    return evaluate(parse(text), bindings)


# --- the checks -------------------------------------------------------------------

def _check_nesting(text):
    # ast.parse itself recurses on deep nesting, so bound it on the raw text first:
    # brackets, and runs of signs like `- - - x`, are what nests without limit.
    depth, run, run_start = 0, 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", source=text, column=i)
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        if ch in "+-~":
            if run == 0:
                run_start = i
            run += 1
            if run > MAX_DEPTH:
                raise ExpressionError(
                    f"the expression is nested too deeply (more than {MAX_DEPTH} signs in a row)",
                    source=text, column=run_start)
        elif not ch.isspace():
            run = 0


def _bracket_error(text):
    """(message, column) for the first bracket that is never closed or closes nothing, or
    None. Comments are skipped; strings are refused later, so their brackets count too."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    in_comment = False
    for i, ch in enumerate(text):
        if in_comment or ch == "#":
            in_comment = ch != "\n"
        elif ch in "([{":
            stack.append((ch, i))
        elif ch in pairs:
            if not stack:
                return f"'{ch}' closes no bracket", i
            if stack[-1][0] != pairs[ch]:
                return f"'{ch}' does not close '{stack[-1][0]}'", i
            stack.pop()
    if stack:
        return f"'{stack[-1][0]}' is never closed", stack[-1][1]
    return None


class _Source:
    """The expression's text as Python's parser reads it, and how to point into it: ast
    positions (lines, UTF-8 byte offsets, leading spaces stripped) become columns of the
    text, for the caret under an error."""

    def __init__(self, text):
        self.text = text
        lines = text.split("\n")
        # Leading spaces would be an IndentationError to Python; mgrad allows them
        # (multi-line expressions in a shell are often indented), so strip them and
        # remember how many, to put carets back under the right column.
        self.indent = [len(line) - len(line.lstrip(" \t")) for line in lines]
        self.lines = [line[n:] for line, n in zip(lines, self.indent)]
        self.line_starts = []
        pos = 0
        for line in lines:
            self.line_starts.append(pos)
            pos += len(line) + 1

    def column(self, lineno, char_col):
        i = lineno - 1
        if not 0 <= i < len(self.lines):
            return len(self.text)
        return self.line_starts[i] + self.indent[i] + max(char_col, 0)

    def node_column(self, node):
        return self.position(getattr(node, "lineno", None), getattr(node, "col_offset", 0))

    def position(self, lineno, byte_offset):
        # ast counts columns in UTF-8 bytes; carets need characters
        if lineno is None or not 0 <= lineno - 1 < len(self.lines):
            return None
        raw = self.lines[lineno - 1].encode("utf-8", "surrogatepass")[:byte_offset]
        return self.column(lineno, len(raw.decode("utf-8", "ignore")))

    def written(self, node):
        """The text of a node as the user wrote it (a name before NFKC normalisation)."""
        start = self.node_column(node)
        end = self.position(node.end_lineno, node.end_col_offset)
        return self.text[start:end] if start is not None and end is not None else node.id

    def operator_column(self, binop, symbol):
        """Where a binary operator's symbol is: between its two operands."""
        left_end = self.position(binop.left.end_lineno, binop.left.end_col_offset)
        if left_end is None:
            return self.node_column(binop)
        found = self.text.find(symbol, left_end)
        return found if found >= 0 else self.node_column(binop)

    def error(self, message, node=None, column=None):
        if node is not None:
            column = self.node_column(node)
        return ExpressionError(message, source=self.text, column=column)

    def parse(self):
        """The text's ast, or ExpressionError in mgrad's own words: CPython's messages for
        the same mistake differ between versions, so they are never passed on."""
        for i, ch in enumerate(self.text):
            if ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF:
                what = "a null character" if ch == "\x00" else f"an unpaired surrogate (U+{ord(ch):04X})"
                raise ExpressionError(f"the expression contains {what}", source=self.text, column=i)
        try:
            with warnings.catch_warnings():
                # 3.12 warns of an invalid escape such as "\d" on stderr; strings are refused anyway
                warnings.simplefilter("ignore")
                return ast.parse("\n".join(self.lines), mode="exec")
        except SyntaxError as e:
            if "parenthes" in (e.msg or "") and "nested" in e.msg:
                raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                                      source=self.text) from None
            bracket = _bracket_error(self.text)
            if bracket is not None:
                raise ExpressionError(bracket[0], source=self.text, column=bracket[1]) from None
            column = None if e.lineno is None else self.column(e.lineno, (e.offset or 1) - 1)
            raise ExpressionError("invalid syntax", source=self.text, column=column) from None
        except (RecursionError, MemoryError):
            raise ExpressionError(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels)") from None
        except Exception:  # whatever else the parser may raise: its wording is not ours to show
            raise ExpressionError("the expression cannot be parsed") from None


class _Compiler:
    """The walk over the checked ast that makes the Program's steps, one per node."""

    def __init__(self, text):
        self.source = _Source(text)
        self.error = self.source.error
        self.steps = []
        self.names = {}  # name -> step index, in order of definition
        self.inputs = {}  # name -> column of first use
        self.spellings = {}  # name -> how it was first written
        self.count = 0

    def compile(self):
        body = self.source.parse().body
        if not body:
            raise ExpressionError("the expression is empty")
        assigned_at = {}
        for stmt in body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                assigned_at.setdefault(stmt.targets[0].id, stmt)
        self.assigned_later = dict(assigned_at)

        output = None
        for k, stmt in enumerate(body):
            last = k == len(body) - 1
            if isinstance(stmt, ast.Assign):
                output = self.assignment(stmt)
            elif isinstance(stmt, ast.Expr):
                if not last:
                    raise self.error(
                        "only the last statement can be a bare expression: name this one (e.g. `t = ...`)", stmt)
                first_new = len(self.steps)
                index = self.expression(stmt.value, 1)
                output = self.label_new(index, OUTPUT_LABEL, first_new)
            else:
                raise self.error(_statement_message(stmt), stmt)

        return Program(
            source=self.source.text, steps=tuple(self.steps), inputs=tuple(self.inputs),
            names=tuple(self.names.items()), output=output,
            input_columns=tuple(self.inputs.values()))

    def assignment(self, stmt):
        if len(stmt.targets) != 1:
            raise self.error("assign one name at a time (`a = b = ...` is not supported)", stmt)
        target = stmt.targets[0]
        if not isinstance(target, ast.Name):
            message = _REFUSED.get(type(target)) or "only a name can be assigned to"
            raise self.error(message, target)
        self.spelled_once(target)
        name = target.id
        if name in ops.FUNCTIONS:
            raise self.error(f"{name} is a function; choose another name", target)
        if name in self.names:
            raise self.error(f"{name} is assigned twice", target)
        first_new = len(self.steps)
        index = self.expression(stmt.value, 1)  # before `name` is defined: `e = e + 1` is refused
        del self.assigned_later[name]
        self.names[name] = index
        # `d = e` only gives a second name to e's node: the node keeps its first label
        return self.label_new(index, name, first_new)

    def label_new(self, index, label, first_new):
        # label the node only if this statement made it (not for `d = e` or `d = x`)
        step = self.steps[index]
        if index >= first_new and step.kind != "input":
            self.steps[index] = Step(step.kind, step.name, step.value, step.op, step.args, label)
        return index

    def add(self, step, node):
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(f"the expression is too big (more than {MAX_NODES} numbers, names and operations)", node)
        self.steps.append(step)
        return len(self.steps) - 1

    def expression(self, node, depth):
        if depth > MAX_DEPTH:
            raise self.error(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", node)

        if isinstance(node, ast.BinOp):
            # a + b + c + ... nests to the left: walk that spine in a loop, so a long
            # sum counts as one level, not one per term
            spine = []
            while isinstance(node, ast.BinOp):
                spine.append(node)
                node = node.left
            acc = self.expression(node, depth + 1)
            for binop in reversed(spine):
                op = _infix(binop, self.source)
                right = self.expression(binop.right, depth + 1)
                acc = self.add(Step("apply", op=op, args=(acc, right)), binop)
            return acc

        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
                # -1 is a number, as in Python, not the op neg applied to 1: `x**-1` has a
                # literal exponent, which drawings fold into the op (`**-1`)
                return self.add(Step("const", value=-_number(node.operand, self.source)), node)
            operand = self.expression(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return operand  # +x is x
            return self.add(Step("apply", op=_prefix(node, self.source), args=(operand,)), node)

        if isinstance(node, ast.Call):
            op = _function(node, self.source)
            args = tuple(self.expression(a, depth + 1) for a in node.args)
            return self.add(Step("apply", op=op, args=args), node)

        if isinstance(node, ast.Name):
            return self.name(node)

        if isinstance(node, ast.Constant):
            return self.add(Step("const", value=_number(node, self.source)), node)

        if isinstance(node, ast.Attribute):  # point at `.name`, not at what comes before it
            end = self.source.position(node.end_lineno, node.end_col_offset)
            raise self.error(_REFUSED[ast.Attribute], column=max(end - len(node.attr) - 1, 0))
        raise self.error(_REFUSED.get(type(node)) or f"{_describe(node)} is not allowed here", node)

    def spelled_once(self, node):
        """Python reads a name NFKC-normalised ('ｘ' is x, the micro sign µ is the Greek μ):
        a name written two ways would silently be one, so each keeps its first spelling."""
        written = self.source.written(node)
        first = self.spellings.setdefault(node.id, written)
        if written != first:
            raise self.error(f"'{written}' and '{first}' are the same name once normalised (NFKC, as Python "
                             f"reads names); write it one way", node)

    def name(self, node):
        self.spelled_once(node)
        name = node.id
        if name in self.names:
            return self.names[name]
        if name in ops.FUNCTIONS:
            raise self.error(f"{name} is a function: call it, as in {name}(x)", node)
        if name in self.assigned_later:
            raise self.error(f"{name} is used before it is assigned", node)
        self.inputs[name] = self.source.node_column(node)
        index = self.add(Step("input", name=name, label=name), node)
        self.names[name] = index
        return index


# --- what the op table allows, and how to say no --------------------------------------

def _infix(binop, source):
    """The op of the table that a binary operator is, or ExpressionError at the operator."""
    symbol = _BINOP_SYMBOLS.get(type(binop.op), "?")
    op = next((o for o in ops.OPS if o.kind == "infix" and o.symbol == symbol), None)
    if op is None:
        raise source.error(f"the operator {symbol} is not supported ({_supported_operators()})",
                           column=source.operator_column(binop, symbol))
    return op


def _prefix(node, source):
    """The op of the table that a unary operator (-x) is, or ExpressionError."""
    symbol = _UNARY_SYMBOLS.get(type(node.op), "?")
    op = next((o for o in ops.OPS if o.kind == "prefix" and o.symbol == symbol), None)
    if op is None:
        if symbol == "not":
            raise source.error("and/or/not are not supported", node)
        raise source.error(f"the operator {symbol} is not supported ({_supported_operators()})", node)
    return op


def _supported_operators():
    infix = [o.symbol for o in ops.OPS if o.kind == "infix"]
    prefix = [f"unary {o.symbol}" for o in ops.OPS if o.kind == "prefix"]
    return "operators: " + " ".join(infix) + (", " + ", ".join(prefix) if prefix else "")


def _function(node, source):
    """The op of the table that a call names, its arguments checked (positional, as many
    as it takes), or ExpressionError."""
    func = node.func
    if not isinstance(func, ast.Name):
        raise source.error(f"only these functions can be called: {', '.join(sorted(ops.FUNCTIONS))}", node)
    name = func.id
    op = ops.FUNCTIONS.get(name)
    if op is None:
        close = difflib.get_close_matches(name, list(ops.FUNCTIONS), n=1, cutoff=0.6)
        hint = f": did you mean {close[0]}?" if close else ""
        raise source.error(f"unknown function {name}{hint} (functions: {', '.join(sorted(ops.FUNCTIONS))})", func)
    if node.keywords:
        raise source.error("keyword arguments are not allowed", node.keywords[0].value)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise source.error(_REFUSED[ast.Starred], arg)
    n = len(node.args)
    if op.arity is not None and n != op.arity:
        plural = "" if op.arity == 1 else "s"
        raise source.error(f"{name}() takes {op.arity} argument{plural}, got {n}", node)
    if op.arity is None and n == 0:
        raise source.error(f"{name}() needs at least one argument", node)
    return op


def _number(node, source):
    """A constant's value as a float64, or ExpressionError for what is not a number."""
    value = node.value
    if isinstance(value, bool) or value is None or value is Ellipsis:
        raise source.error(f"{value!r} is not a number", node)
    if isinstance(value, (str, bytes)):
        raise source.error("strings are not allowed: only numbers", node)
    if isinstance(value, complex):
        raise source.error("complex numbers are not supported", node)
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # more digits than a float64 holds: as float('1e999'), inf
            return math.inf
    if isinstance(value, float):
        return value
    raise source.error(f"{_describe(node)} is not a number", node)


def _describe(node):
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()


def _statement_message(stmt):
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return "import statements are not allowed"
    if type(stmt) in _REFUSED:
        return _REFUSED[type(stmt)]
    return (f"{_describe(stmt)} statements are not allowed: only `name = expression` "
            "statements and a final expression")
