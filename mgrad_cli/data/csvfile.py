"""CSV files: a header row naming the columns, then rows of data; errors name the file,
the line and the column.

read_table splits a file into its header and rows; parse_columns and parse_number read
their numbers; read_csv (load_csv) takes the features and a target column, whose labels
make it a classification or a regression. Nothing read is ever executed or interpreted.

This is the careful reader. pyarrow's (csvarrow.py, for big files) shares its steps
(check_header, target_index, check_label, target_values) and leaves the wording of every
error to it: locate_error finds the error a file holds, a chunk at a time.
"""

import csv
import difflib
import os
from operator import itemgetter

import numpy as np

from . import names
from ..errors import DataError, shorten
from ..files import bounded_lines, display_path, line_stream, open_user_file
from ..limits import MAX_CSV_COLUMNS
from ..numbers import CELL_PADDING, number_characters, read_number


def read_table(path, shown=None):
    """A CSV file's header and data rows: (header line, header cells stripped, [(line, row), ...]).

    Blank lines are skipped; line numbers are the file's (1-based), the line a row starts
    on. Raises DataError naming the file (as `shown`, by default its display_path) for a
    missing, unreadable, empty or header-only file, and the line and column for an empty,
    repeated or unprintable column name (names.py).
    """
    shown = shown or display_path(path)
    with open_user_file(path, DataError, "CSV file", newline="", encoding="utf-8-sig") as f:
        numbered = list(_numbered(csv.reader(bounded_lines(f, path, DataError, "CSV file")), shown))
    header_line, header = _header(numbered[0] if numbered else None, shown)
    if len(numbered) < 2:
        raise DataError(f"{shown}: no data rows after the header")
    return header_line, header, numbered[1:]


# characters of CSV text a stream holds at once (as Python strings, about 24 bytes each)
STREAM_CHARACTERS = 2 ** 22


def stream_table(path, rows, shown=None):
    """read_table for a file of any size: (header line, header, chunks), where chunks yields
    the body as lists of (line, row) of at most `rows` rows (or STREAM_CHARACTERS
    characters), read only as they are asked for, so memory stays bounded. The header is
    read and checked now; an error in the body is raised when its chunk is read (the
    chunks before it have been handed out)."""
    shown = shown or display_path(path)
    chunks = _stream(path, rows, shown)
    header_line, header = next(chunks)
    return header_line, header, chunks


def _stream(path, rows, shown):
    """The header, then the body's chunks (stream_table)."""
    with open_user_file(path, DataError, "CSV file", newline="", encoding="utf-8-sig") as f:
        numbered = _numbered(csv.reader(line_stream(f, path, DataError, "CSV file")), shown)
        yield _header(next(numbered, None), shown)
        chunk, size, empty = [], 0, True
        for line, row in numbered:
            chunk.append((line, row))
            size += sum(map(len, row))
            if len(chunk) >= rows or size >= STREAM_CHARACTERS:
                yield chunk
                chunk, size, empty = [], 0, False
        if empty and not chunk:
            raise DataError(f"{shown}: no data rows after the header")
        if chunk:
            yield chunk


def _numbered(reader, shown):
    """(the line a row starts on, row) for each row of a csv.reader that is not blank."""
    end = 0  # reader.line_num is the line the last row ended on
    try:
        for row in reader:
            if "".join(row).strip():
                yield end + 1, row
            end = reader.line_num
    except csv.Error as e:
        raise DataError(f"{shown}: not a valid CSV file ({e})") from None


def _header(first, shown):
    """(line, the header's cells stripped) from the first row, checked (check_header)."""
    if first is None:
        raise DataError(f"{shown}: the file is empty (expected a header row, then data)")
    header_line, header = first[0], [h.strip() for h in first[1]]
    check_header(header, shown, header_line)
    return header_line, header


def check_header(header, shown, line):
    """Columns are found by name: each needs its own, and the header must be names."""
    where = f"{shown}, line {line}"
    if len(header) > MAX_CSV_COLUMNS:
        raise DataError(f"{where}: {len(header):,} columns, more than the limit of {MAX_CSV_COLUMNS:,}")
    first = {}
    for j, name in enumerate(header):
        if not name:
            raise DataError(f"{where}, column {j + 1}: the column has no name")
        refused = names.problem(name, "the column name")
        if refused:
            raise DataError(f"{where}, column {j + 1}: {refused}")
        if first.setdefault(name, j) != j:
            raise DataError(f"{where}, column {shorten(name)}: the column appears twice")
    # numbers in all but at most one column (the target may be a class name), other than
    # column positions (pandas names unnamed columns 0, 1, 2, ...): a row of data
    numbers = [name for name in header if _is_float(name)]
    positions = {str(j + start) for j in range(len(header)) for start in (0, 1)}
    if len(header) >= 2 and len(numbers) >= len(header) - 1 and not set(numbers) <= positions:
        shown_numbers = ", ".join(shorten(n)[1:-1] for n in numbers[:3]) + (", ..." if len(numbers) > 3 else "")
        raise DataError(f"{where}: the first row holds numbers ({shown_numbers}), not column names; the file "
                        f"needs a header row naming its columns first (such as x1,x2,label)")


def parse_columns(body, header, columns, shown):
    """The numbers in these columns (indices into header) of every body row, as an array
    (rows × columns), parsed by numpy in one go. A ragged row, or a cell that is not a
    finite number, is a DataError naming the file, line and column of the first one, as
    reading the cells one by one would find it."""
    ragged = next((r for r, (_, row) in enumerate(body) if len(row) != len(header)), len(body))
    rows = body[:ragged]
    cells = itemgetter(*columns)  # (one cell, not a tuple, for one column: reshaped below)
    picked = [cells(row) for _, row in rows]
    try:
        with np.errstate(all="ignore"):
            X = np.array(picked, dtype=np.float64).reshape(len(rows), len(columns))
        # numbers by numbers.py's rule: float() alone would read 1_000 or full-width digits
        flat = picked if len(columns) == 1 else [c for cs in picked for c in cs]
        bad = not np.all(np.isfinite(X)) or not number_characters(flat)
    except ValueError:
        bad = True
    if bad:  # find the first offending cell, and say what is wrong with it
        for line, row in rows:
            for j in columns:
                parse_number(row[j], shown, line, header[j])
    if ragged < len(body):
        line, row = body[ragged]
        raise DataError(f"{shown}, line {line}: expected {len(header)} columns as in the header, got {len(row)}")
    return X


def parse_number(cell, shown, line, column):
    """A finite float from a CSV cell by numbers.py's rule, or DataError('file, line L,
    column 'name': ...')."""
    value = read_number(cell)
    if value is None and not _is_float(cell):
        got = shorten(cell) if cell.strip() else "an empty cell"
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: expected a number, got {got}")
    if value is None or not np.isfinite(value):  # (nan, inf and the like: words float() reads)
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: expected a finite number, got "
                        f"{shorten(cell.strip(CELL_PADDING))}")
    return value


# rows of a chunk when a file is read a chunk at a time to find its error (locate_error)
LOCATE_ROWS = 10_000


def locate_error(path, target, shown, drain=False):
    """Raise the error load_csv would raise for this file's header, a row or a target cell,
    reading it a chunk at a time so that memory stays bounded whatever the file's size
    (for a file a faster reader found wrong: data/csvarrow.py). With `drain`, the rest of
    the file is read before the error is raised, for an error load_csv (which reads the
    whole file first) would raise instead: a file that is not text, or not CSV. Returns
    when it finds none of these errors."""
    try:
        _find_error(path, target, shown)
    except DataError:
        if drain:
            _read_through(path, shown)
        raise


def _find_error(path, target, shown):
    header_line, header, chunks = stream_table(path, LOCATE_ROWS, shown)
    features = label_error = None
    for chunk in chunks:
        if features is None:  # (after the first chunk: a file without data rows says so first)
            t, features = target_index(header, target, shown, header_line)
        parse_columns(chunk, header, features, shown)  # a feature cell or a ragged row, in order
        for line, row in chunk if label_error is None else ():
            try:
                check_label(row[t], shown, line, header[t])
            except DataError as e:  # raised once every feature cell is known good, as load_csv does
                label_error = e
                break
    if label_error is not None:
        raise label_error


def _read_through(path, shown):
    """Read the whole file as CSV text, for the error that makes it neither."""
    with open_user_file(path, DataError, "CSV file", newline="", encoding="utf-8-sig") as f:
        for _ in _numbered(csv.reader(line_stream(f, path, DataError, "CSV file")), shown):
            pass


# task auto: whole-number labels with more different values than this are more likely a
# quantity (a count, a score) than classes; the user is asked to say which
MAX_AUTO_CLASSES = 20


def read_csv(path, target=None, task="auto"):
    """Read a CSV with a header row: numeric features, a target column (default: the last).

    Labels that are not all numbers are classes (named as in the file, sorted); numeric
    labels are classes when they are all whole numbers (task auto; more than
    MAX_AUTO_CLASSES of them is an error asking for data.task), else a regression
    target. Errors name the file, the line and the column.
    Returns (X, y, task, class_names, feature_names).
    """
    return load_csv(path, target, task)[:5]


def load_csv(path, target, task, shown=None):
    """read_csv's results and the target column's name; errors name the file as `shown`."""
    shown = shown or display_path(path)
    header_line, header, body = read_table(path, shown)
    t, features = target_index(header, target, shown, header_line)
    X = parse_columns(body, header, features, shown)
    labels = [check_label(row[t], shown, line, header[t]) for line, row in body]
    y, task, class_names = target_values(labels, all_numbers(labels), task, shown, header[t],
                                         lambda i: body[i][0])
    return X, y, task, class_names, [header[j] for j in features], header[t]


def target_index(header, target, shown, header_line):
    """(the target's position in the header, the features' positions): the named column
    (default: the last), or DataError for a header of one column or an unknown name."""
    if len(header) < 2:
        raise DataError(f"{shown}, line {header_line}: expected a header with at least two "
                        f"columns (features and a target), got {len(header)}")
    if target is None:
        t = len(header) - 1
    elif target in header:
        t = header.index(target)
    else:
        hint = difflib.get_close_matches(target, header, n=1)
        hint = f"did you mean '{hint[0]}'?" if hint else f"the columns are {', '.join(header)}"
        raise DataError(f"{shown}: no column named '{target}' for data.target ({hint})")
    return t, [j for j in range(len(header)) if j != t]


def target_values(labels, numeric, task, shown, column, line_of, codes=None):
    """(y, task, class names) from the target column: `labels` its cells (check_label's),
    `numeric` their values when all are finite numbers by the rule, else None. With
    `codes` (a fast reader's form, to the same results), both are given for the distinct
    cells, in the order they first appear, and codes[i] is row i's. line_of(k): the line
    of labels[k]'s first row, for an error."""
    def rows(values):
        return values if codes is None else values[codes]

    if task == "regression":
        if numeric is None:
            bad = next(i for i, s in enumerate(labels) if not _is_number(s))
            raise DataError(f"{shown}, line {line_of(bad)}, column {shorten(column)}: a regression "
                            f"target must be a number, got {shorten(labels[bad])}")
        return rows(numeric), "regression", None
    if task == "auto" and numeric is not None and not np.all(numeric == np.round(numeric)):
        return rows(numeric), "regression", None
    distinct = None if numeric is None else np.unique(numeric).tolist()  # (0.0 and -0.0: one class, "0")
    if task == "auto" and numeric is not None and len(distinct) > MAX_AUTO_CLASSES:
        raise DataError(f"{shown}: column '{column}' holds {len(distinct)} different whole "
                        f"numbers: set data.task: regression to predict it as a number, or data.task: "
                        f"classification to take each number as a class")
    if numeric is not None:  # whole numbers: sort as numbers (2 before 10), name as written
        class_names = [_number_name(k) for k in distinct]
        y = np.searchsorted(np.array(distinct), numeric).astype(int)
    else:
        class_names = sorted(set(labels))
        _check_class_names(class_names, labels, line_of, shown, column)
        rank = {name: i for i, name in enumerate(class_names)}
        y = np.array([rank[s] for s in labels], dtype=int)
    if len(class_names) < 2:
        raise DataError(f"{shown}: column '{column}' has a single class ({class_names[0]}); "
                        f"a classifier needs at least two")
    return rows(y), "classification", class_names


def check_label(cell, shown, line, column):
    """A target cell: a class name or a number; never empty, nan or infinite (a missing
    value must not become a class of its own)."""
    cell = cell.strip()
    if not cell:
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: the target is empty")
    if _is_float(cell) and not _is_number(cell):
        raise DataError(f"{shown}, line {line}, column {shorten(column)}: expected a class name or a finite "
                        f"number as the target, got {shorten(cell)}")
    return cell


def _check_class_names(class_names, labels, line_of, shown, column):
    """Refuse a class name with a control character (names.py), naming the first line
    that holds it (each name is checked once, however many rows hold it)."""
    for name in class_names:
        refused = names.problem(name, "the class name")
        if refused:
            line = line_of(labels.index(name))
            raise DataError(f"{shown}, line {line}, column {shorten(column)}: {refused}")


def _is_float(s):
    """A number by the rule (numbers.py), finite or not, or a word float() reads as one (nan,
    inf, infinity): not a class name."""
    return read_number(s) is not None or s.strip().lstrip("+-").lower() in ("nan", "inf", "infinity")


def _is_number(s):
    value = read_number(s)
    return value is not None and bool(np.isfinite(value))


def all_numbers(labels):
    values = [read_number(s) for s in labels]
    if not all(v is not None and np.isfinite(v) for v in values):
        return None
    return np.array(values)


def _number_name(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


def summary(path, name):
    """What `mgrad datasets` says of a CSV data set: name, file, path, rows, columns, target
    (the last column, the default), task, classes (None for a regression target)."""
    _, header, body = read_table(path, name)
    labels = {row[-1].strip() for _, row in body if row}
    numbers = all_numbers(sorted(labels))
    regression = numbers is not None and (len(labels) > MAX_AUTO_CLASSES or np.any(numbers != np.round(numbers)))
    return {
        "name": name,
        "file": os.path.basename(path),
        "path": display_path(path),
        "rows": len(body),
        "columns": len(header),
        "target": header[-1],
        "task": "regression" if regression else "classification",
        "classes": None if regression else len(labels),
    }
