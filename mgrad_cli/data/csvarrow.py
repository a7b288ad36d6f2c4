"""Big CSV files read with pyarrow's CSV reader (the `csv` extra), to the careful reader's
results (csvfile.py): the same numbers, bit for bit, and the same errors, word for word.

pyarrow splits the file into cells, as strings, a block at a time (the next block while
this one is converted). A feature column is converted whole: pyarrow's conversion reads a
cell (spaces and tabs around it trimmed) as a finite number exactly when it is a number by
numbers.py's rule, correctly rounded as float() rounds (tests/data/test_csvarrow.py checks
every short string), and the numbers go straight into the array the data set keeps.
Python sees only the header and the target's distinct cells. UTF-8 is checked where a
cell may break it (the target, the header's block, a column that is not all numbers). What
this path cannot vouch for, the careful reader decides:

- a file pyarrow may not split as Python's csv module does (a ragged row, a quote left
  open, bytes that are not UTF-8, a NUL before Python 3.11, a cell past csv's field size
  limit, a first row of blanks): csvfile.load_csv reads it whole (or, past what it may
  hold, csvfile.locate_error reads it a chunk at a time for the error);
- a header, a feature cell or a target cell that breaks a rule: csvfile.locate_error finds
  it and raises the careful reader's error (a row of blanks such as ",," is no error: it
  is skipped, as the careful reader skips it);
- the target: csvfile.target_values decides it from its distinct cells, and an error it
  raises names the line found by reading the file a chunk at a time.

Which reader runs: MGRAD_CSV_READER (auto, pyarrow, python); auto takes pyarrow, where it
is installed, for a file of FAST_FROM_BYTES or more (importing it costs about what the
careful reader takes for 2 MB) or one larger than the careful reader may hold.
"""

import csv
import os
import stat
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import extras, limits
from ..errors import DataError, UserInputError, shorten
from ..files import display_path
from ..numbers import CELL_PADDING, NUMBER
from . import csvfile

READER_VARIABLE = "MGRAD_CSV_READER"
READERS = ("auto", "pyarrow", "python")
FAST_FROM_BYTES = 4 * 2 ** 20
HINT_FROM_BYTES = 10 * 10 ** 6  # without pyarrow, a file past this gets a line on how to read it faster
PEEK_BYTES = 1 << 16  # the block pyarrow first reads for the number of columns


class _Unsure(Exception):
    """The fast path cannot vouch for the file; `split`: not even for how pyarrow split it."""

    def __init__(self, reason, split):
        super().__init__(reason)
        self.split = split


def load_csv(path, target, task, shown=None):
    """csvfile.load_csv's results (X, y, task, class names, feature names, target name),
    read by pyarrow where it is installed and pays (MGRAD_CSV_READER), else by csvfile."""
    shown = shown or display_path(path)
    size = _file_size(path)
    pyarrow = _choose(size)
    if pyarrow is None:
        return csvfile.load_csv(path, target, task, shown)
    try:
        return _FastRead(pyarrow, path, shown).load(target, task)
    except _Unsure as unsure:
        return _careful(path, target, task, shown, size, unsure)


def reader_choice():
    """MGRAD_CSV_READER's value: auto (unset), pyarrow or python."""
    choice = os.environ.get(READER_VARIABLE, "").strip() or "auto"
    if choice not in READERS:
        raise UserInputError(f"{READER_VARIABLE}: expected one of {', '.join(READERS)}, got {shorten(choice)}")
    return choice


def _choose(size):
    """pyarrow (its csv and compute modules loaded), or None for the careful reader."""
    choice = reader_choice()
    if choice == "python" or size is None:  # (a pipe or a device: the careful reader streams it)
        return None
    if choice == "auto" and (limits.address_space_limited() or
                             (size < FAST_FROM_BYTES and size <= limits.read_limit("CSV file")[0])):
        return None  # (under `ulimit -v`, pyarrow may end the process when an allocation fails)
    if extras.optional("pyarrow.csv") is None or extras.optional("pyarrow.compute") is None:
        if choice == "pyarrow":
            extras.require("pyarrow", f"{READER_VARIABLE}=pyarrow", "csv")
        return None
    return extras.optional("pyarrow")


def hint(path):
    """One line for a big file about to be read without pyarrow, else None."""
    size = _file_size(path)
    if size is None or size <= HINT_FROM_BYTES or reader_choice() != "auto":
        return None
    if extras.optional("pyarrow") is not None:
        return None
    return (f"{display_path(path)} is {limits.format_bytes(size)}: install mgrad's csv extra to load big CSVs "
            f"faster: {extras.install_command('pyarrow', 'csv')}")


def _file_size(path):
    """The size of a regular file; None for anything else (or no file: the careful reader says so)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _careful(path, target, task, shown, size, unsure):
    """The careful reader's word on a file the fast path could not vouch for."""
    if not unsure.split:  # pyarrow read it as csv does: the error is in a header, cell or label
        csvfile.locate_error(path, target, shown)
    limit, why = limits.read_limit("CSV file")
    if size <= limit:
        return csvfile.load_csv(path, target, task, shown)
    csvfile.locate_error(path, target, shown, drain=True)
    raise DataError(f"{shown}: pyarrow's CSV reader cannot read it ({unsure}), and it is larger than "
                    f"{limits.format_bytes(limit)}, the most the careful reader may hold ({why})")


def line_ends(path, block=1 << 22):
    """How many line ends (\\n, \\r or \\r\\n) the file holds: at least as many as its data rows."""
    count, last = 0, b""
    with open(path, "rb") as f:
        while True:
            data = f.read(block)
            if not data:
                return count
            count += int(np.count_nonzero(np.frombuffer(data, np.uint8) == 10))  # (\n)
            if b"\r" in data:
                count += data.count(b"\r") - data.count(b"\r\n")
            count -= last == b"\r" and data[:1] == b"\n"  # a \r\n across two blocks
            last = data[-1:]


class _FastRead:
    """One file read by pyarrow: load() returns load_csv's results or raises _Unsure
    (DataError only when the numbers would not fit in the memory a run may use)."""

    def __init__(self, pa, path, shown):
        self.pa, self.path, self.shown = pa, path, shown
        self.problem = None  # why the careful reader must say what is wrong, once every block is read

    def load(self, target, task):
        columns = self._columns()
        rows = line_ends(self.path)
        need, (budget, why) = limits.csv_read_cost(rows, columns), limits.memory_budget()
        if need > budget:
            raise DataError(f"{self.shown}: {rows:,} lines of {columns:,} columns would need about "
                            f"{limits.format_bytes(need)} of memory, more than the "
                            f"{limits.format_bytes(budget)} this run may use ({why})")
        X, targets, header, t = self._read(target, rows, columns)
        if self.problem is not None:
            raise _Unsure(self.problem, split=False)
        y, task, class_names = self._target(targets, t, header[t], task)
        features = [header[j] for j in range(len(header)) if j != t]
        return X, y, task, class_names, features, header[t]

    def _columns(self):
        """How many columns pyarrow finds in the first row (it reads a first block for it)."""
        try:
            return len(self._reader(None, PEEK_BYTES).schema)
        except _Unsure:  # (a first row longer than that block)
            return len(self._reader(None).schema)

    def _reader(self, columns, block=None):
        """pyarrow's streaming reader: every cell a string (for `columns` columns), none null."""
        pa, block = self.pa, block or limits.CSV_BLOCK_BYTES
        types = None if columns is None else {f"f{j}": pa.string() for j in range(columns)}
        try:
            return pa.csv.open_csv(
                self.path,
                read_options=pa.csv.ReadOptions(autogenerate_column_names=True, block_size=block),
                parse_options=pa.csv.ParseOptions(newlines_in_values=True),
                convert_options=pa.csv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                      quoted_strings_can_be_null=False, check_utf8=False))
        except (pa.ArrowException, OSError) as e:
            raise _Unsure(f"pyarrow: {e}", split=True) from None

    def _read(self, target, rows, columns):
        """(X, the target's cells block by block, header, the target's position)."""
        X, targets, header, t, done = None, [], None, None, 0
        batches = iter(self._reader(columns))
        with ThreadPoolExecutor(1) as ahead:  # pyarrow splits the next block while this one is converted
            coming = ahead.submit(next, batches, None)
            while True:
                try:
                    batch = coming.result()
                except (self.pa.ArrowException, OSError) as e:
                    raise _Unsure(f"pyarrow: {e}", split=True) from None
                if batch is None:
                    break
                coming = ahead.submit(next, batches, None)
                cells = batch.columns
                _check_split(self.pa, cells, header is None or self.problem is not None, t)
                if header is None:
                    header, cells = [c[0].as_py().strip() for c in cells], [c.slice(1) for c in cells]
                    t, features = self._header(header, target)
                    X = np.empty((rows, len(features)))
                if self.problem is None:
                    cells = self._numbers(cells, features, X, done)
                    self.pa.default_memory_pool().release_unused()  # (what the block held, back to the system)
                    # its distinct cells and their codes (a block's cells share its buffers: kept, they
                    # would keep the whole block)
                    targets.append(self.pa.compute.dictionary_encode(cells[t]))
                    done += len(cells[t])
        if self.problem is None and done == 0:
            self.problem = "no data rows"
        return (None if X is None else X[:done]), targets, header, t

    def _header(self, header, target):
        """(t, features) from the header's cells (stripped), or (0, [1, ...]) with a problem noted."""
        if not "".join(header):  # a first row of blanks: the careful reader skips it
            raise _Unsure("a first row of blanks", split=True)
        try:
            csvfile.check_header(header, self.shown, 0)
            t, features = csvfile.target_index(header, target, self.shown, 0)
        except DataError as e:
            self.problem = str(e)
            return 0, list(range(1, max(len(header), 2)))
        return t, features

    def _numbers(self, cells, features, X, done):
        """Write a block's feature cells into X from row `done`, its rows of blanks
        dropped; -> the block's columns (without those rows). A cell that is not a
        number notes a problem."""
        while True:
            n = len(cells[0])
            if done + n > len(X):
                raise _Unsure("more rows than line ends", split=True)
            bad = [k for k, j in enumerate(features) if not _numbers_into(self.pa, cells[j], X[done:done + n, k])]
            if not bad:
                return cells
            for k in bad:
                _check_utf8(self.pa, cells[features[k]])
            keep = self._blank_rows(cells, [features[k] for k in bad])
            if keep is None:
                self.problem = "a feature cell that is not a number"
                return cells
            cells = [c.filter(keep) for c in cells]

    def _blank_rows(self, cells, bad):
        """A mask keeping every row but those of blanks (csv's rows whose cells are all
        whitespace), if every row with a cell that is not a number is one; else None."""
        ok = np.ones(len(cells[0]), dtype=bool)
        for j in bad:
            ok &= _cell_ok(self.pa, cells[j])
        for i in np.flatnonzero(~ok).tolist():
            if "".join(c[i].as_py() for c in cells).strip():
                return None
        return self.pa.array(ok)

    def _target(self, targets, t, column, task):
        """(y, task, class names) by csvfile.target_values from the target's distinct cells
        (`targets`: each block's, dictionary-encoded)."""
        pc = self.pa.compute
        distinct = pc.unique(self.pa.concat_arrays([block.dictionary for block in targets]))  # as they first appear
        codes = np.concatenate([pc.index_in(block.dictionary, value_set=distinct).to_numpy()[block.indices.to_numpy()]
                                for block in targets])
        values = np.empty(len(distinct))
        if _numbers_into(self.pa, distinct, values):  # (every cell a number: its text is never needed)
            return csvfile.target_values(None, values, task, self.shown, column, None, codes)
        try:
            stripped = [csvfile.check_label(s, self.shown, 0, column) for s in distinct.to_pylist()]
        except DataError as e:
            raise _Unsure(str(e), split=False) from None
        labels = list(dict.fromkeys(stripped))
        where = {s: i for i, s in enumerate(labels)}
        codes = np.array([where[s] for s in stripped], dtype=np.intp)[codes]
        return csvfile.target_values(labels, csvfile.all_numbers(labels), task, self.shown, column,
                                     lambda k: _first_line(self.path, self.shown, t, labels[k]), codes)


def _check_split(pa, cells, every, t):
    """A cell that csv may not read as pyarrow did: one past csv's field size limit
    (counted in characters; its bytes are at least as many), before Python 3.11 a NUL
    (csv refuses it), or bytes that are not UTF-8 (pyarrow checks none as it splits:
    here the target's cells, and when `every` all; a feature cell read as a number is
    ASCII, and a column with one that is not is checked by _numbers)."""
    limit = csv.field_size_limit()
    for j, column in enumerate(cells):
        start, end = _extent(column)
        if end - start > limit and _longest(pa, column) > limit:
            raise _Unsure("a cell past csv's field size limit", split=True)
        if sys.version_info < (3, 11) and b"\0" in _text(column):
            raise _Unsure("a NUL", split=True)
        if every or j == t:
            _check_utf8(pa, column)


def _check_utf8(pa, column):
    try:
        column.validate(full=True)
    except pa.ArrowInvalid:
        raise _Unsure("bytes that are not UTF-8", split=True) from None


def _extent(column):
    """Where a string array's cells start and end in its data buffer."""
    if len(column) == 0:
        return 0, 0
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32, count=len(column) + 1, offset=4 * column.offset)
    return int(offsets[0]), int(offsets[-1])


def _text(column):
    """The bytes of a string array's cells, end to end (a copy)."""
    start, end = _extent(column)
    data = column.buffers()[2]
    return b"" if data is None or end == start else bytes(memoryview(data)[start:end])


def _longest(pa, column):
    return pa.compute.max(pa.compute.binary_length(column)).as_py() or 0


def _numbers_into(pa, column, out):
    """Fill `out` with the column's numbers and return True when every cell is a finite
    number by the rule (numbers.py); else False (`out` may be written in part). pyarrow's
    conversion reads a number by the rule (with no padding), nan, inf or infinity and
    nothing else (tests/data/test_csvarrow.py), so finite values vouch for every cell."""
    try:
        values = pa.compute.cast(column, pa.float64()).to_numpy()
    except pa.ArrowInvalid:  # padding, or a cell that is not a number
        try:
            values = pa.compute.cast(pa.compute.utf8_trim(column, characters=CELL_PADDING), pa.float64()).to_numpy()
        except pa.ArrowInvalid:
            return False
    if not np.isfinite(values).all():
        return False
    out[:] = values
    return True


def _cell_ok(pa, column):
    """A mask: which cells are finite numbers by the rule (a block with one that is not)."""
    trimmed = pa.compute.utf8_trim(column, characters=CELL_PADDING)
    ok = pa.compute.match_substring_regex(trimmed, f"^(?:{NUMBER})$").to_numpy(zero_copy_only=False)
    if ok.any():
        ok[ok] = np.isfinite(pa.compute.cast(trimmed.filter(pa.array(ok)), pa.float64()).to_numpy())
    return ok


def _first_line(path, shown, t, label):
    """The line of the first row whose target cell is `label` (stripped), a chunk at a time."""
    _, _, chunks = csvfile.stream_table(path, csvfile.LOCATE_ROWS, shown)
    for chunk in chunks:
        for line, row in chunk:
            if row[t].strip() == label:
                return line
    return 0  # (not reached: the label came from the file)
