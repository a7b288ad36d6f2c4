"""pyarrow's CSV reader (data/csvarrow.py) gives the careful reader's results (data/csvfile.py):
the same numbers bit for bit and the same one-line errors, on CSV texts hypothesis writes,
valid and hostile. What pyarrow's conversion reads as a finite number is exactly a number by
numbers.py's rule. The reader is chosen as docs/training.md says; a file too big for the
careful reader still gets its error; the memory bound admits what the fast path holds."""

import itertools
import json
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mgrad_cli import extras, limits
from mgrad_cli.data import csvarrow, csvfile
from mgrad_cli.errors import DataError, UserInputError
from mgrad_cli.numbers import read_number


def outcome(load, path, target=None, task="auto"):
    """What a reader makes of a file: its results as bytes and values, or its error."""
    try:
        X, y, task, classes, features, column = load(path, target, task)
    except DataError as e:
        return ("error", str(e))
    return ("ok", X.dtype.str, X.shape, X.tobytes(), y.dtype.str, y.shape, y.tobytes(), task, classes, features,
            column)


def fast(monkeypatch, path, target=None, task="auto"):
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "pyarrow")
    return outcome(csvarrow.load_csv, path, target, task)


def careful(monkeypatch, path, target=None, task="auto"):
    monkeypatch.delenv("MGRAD_MAX_MEMORY", raising=False)
    return outcome(csvfile.load_csv, path, target, task)


# --- the number rule ------------------------------------------------------------------------

def fast_number(pa, text):
    """The float pyarrow's path reads from one cell, or None."""
    import pyarrow.compute  # noqa: F401  (csvarrow loads it as it chooses pyarrow)

    out = np.empty(1)
    return float(out[0]) if csvarrow._numbers_into(pa, pa.array([text]), out) else None


def careful_number(text):
    value = read_number(text)
    return value if value is not None and math.isfinite(value) else None


def same_number(a, b):
    return a is None and b is None or (a is not None and b is not None and
                                       np.float64(a).tobytes() == np.float64(b).tobytes())


SHORT = ["0", "7", ".", "+", "-", "e", "E", " ", "\t", "n", "i", "f", "_", "x", "\uff11", "\u00a0"]
SPELLINGS = ["nan", "NaN", "-nan", "+nan", "nan(1)", "inf", "-Inf", "+inf", "INF", "Infinity", "-infinity", "infinit",
             "0x1p3", "0x10", "1_000", "1e5", "1E+05", "1.e5", ".e5", "1e5.5", "\u0661\u0662", "\uff11\uff12",
             " 1.5 ", "\t-2e-3\t", " \t7", "1e-400", "4.9e-324", "2.4703282292062328e-324", "1e309",
             "1.7976931348623158e308", "1.7976931348623159e308", "9" * 400, "0." + "0" * 400 + "1", "+.5",
             "-.5e-5", "00012", "1 2", "1\n", "\n1", "1\r", "\x001", "1e+", "--1", "+-1", "1e5e5", "9007199254740993"]


def test_pyarrows_conversion_reads_the_rules_numbers_and_nothing_else(pyarrow):
    """Every string of up to 4 characters from SHORT, and the spellings floats are known by:
    a finite number for both readers, bit for bit, or for neither."""
    texts = ["".join(t) for n in range(5) for t in itertools.product(SHORT, repeat=n)] + SPELLINGS
    differ = [t for t in texts if not same_number(fast_number(pyarrow, t), careful_number(t))]
    assert not differ, differ[:20]
    assert sum(careful_number(t) is not None for t in texts) > 400  # (the rule's numbers were there to find)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=12), st.from_regex(r"[ \t]?[-+]?[0-9]{0,25}\.?[0-9]{0,25}([eE][-+]?[0-9]{1,3})?"
                                                            r"[ \t]?", fullmatch=True)))
def test_pyarrow_and_float_read_a_cell_alike(text):
    pa = pytest.importorskip("pyarrow")
    assert same_number(fast_number(pa, text), careful_number(text))


# --- the same results on hostile texts -----------------------------------------------------------

NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False).map(repr), st.integers(-10 ** 20, 10 ** 20).map(str),
                    st.floats(-1e3, 1e3).map(lambda v: f"{v:.6f}"),
                    st.sampled_from(["1e5", ".5", "2.", "+3", "-0", "0.1E-3", "1e-400", "4.9e-324", "00012"]))
HOSTILE = st.sampled_from(["1_0", "\uff11\uff10", " 5 ", "\t5", "5 ", "\u00a05", "nan", "NaN", "-inf", "Infinity", "1e999",
                           "", " ", "abc", "0x10", "1,5", "1e", ".", "+-1", "\u0663", "5\x00", "1\n2", '"', 'a"b', "\r"])
LABELS = st.one_of(st.sampled_from(["a", "b", " a", "b ", "c", "0", "1", "2", "1.0", "0.5", "-3", "", " ", "nan", "inf",
                                    "x\x01", "\u65e5\u672c", "a,b", 'q"', "\u3000a", "n\x00"]), NUMBERS)
NAMES = st.sampled_from(["x", "y", "t", " x ", "", "1", "0", "x\x1b", "a,b", '"q"', "\ufeffz", "x", "t\n"])
ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def cell_text(draw, cell):
    """A cell as a file holds it: as it is, or quoted (its quotes doubled)."""
    if draw(st.integers(0, 4)) == 0:
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def csv_texts(draw):
    """(the file's bytes, target, task): a header, rows of numbers and labels, with now and
    then a hostile cell, a row too short or too long, a blank line or a row of blanks, a
    BOM, a byte that is not UTF-8."""
    features = draw(st.integers(1, 3))
    header = draw(st.lists(st.one_of(NAMES, st.sampled_from(["a", "b", "c", "d"])), min_size=features + 1,
                           max_size=features + 1))
    if draw(st.booleans()):
        header = [f"h{j}" for j in range(features)] + ["label"]
    lines = [",".join(draw(cell_text(h)) for h in header)]
    numeric = draw(st.booleans())
    for _ in range(draw(st.integers(0, 8))):
        cells = [draw(st.one_of(NUMBERS, NUMBERS, NUMBERS, HOSTILE)) for _ in range(features)]
        cells.append(draw(NUMBERS if numeric else LABELS) if draw(st.integers(0, 5)) else draw(HOSTILE))
        shape = draw(st.integers(0, 12))
        cells = cells[:-1] if shape == 0 else cells + ["9"] if shape == 1 else cells
        line = ",".join(draw(cell_text(c)) for c in cells)
        lines.append({2: "", 3: ",," , 4: " "}.get(shape, line))
    text = draw(ENDS).join(lines) + (draw(ENDS) if draw(st.booleans()) else "")
    data = ("\ufeff" if draw(st.integers(0, 5)) == 0 else "").encode() + text.encode("utf-8")
    if draw(st.integers(0, 10)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80"])) + data[at:]
    target = draw(st.one_of(st.none(), st.sampled_from(header + ["zz"])))
    return data, target, draw(st.sampled_from(["auto", "auto", "classification", "regression"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=csv_texts(), block=st.sampled_from([None, 64]), chunk=st.sampled_from([None, 1, 2]))
def test_both_readers_give_the_same_results_or_the_same_error(pyarrow, monkeypatch, tmp_path, case, block, chunk):
    data, target, task = case
    path = tmp_path / "d.csv"
    path.write_bytes(data)
    if block:  # blocks of 64 bytes: a file of many blocks (a longer row: pyarrow refuses, csvfile decides)
        monkeypatch.setattr(limits, "CSV_BLOCK_BYTES", block)
    if chunk:  # the error found a row or two at a time
        monkeypatch.setattr(csvfile, "LOCATE_ROWS", chunk)
    assert fast(monkeypatch, path, target, task) == careful(monkeypatch, path, target, task)


@pytest.mark.parametrize("text", [
    "a,b,t\n1,2,x\n,,\n3,4,y\n",          # a row of blanks, skipped
    " , \na,b,t\n1,2,x\n3,4,y\n",          # a first row of blanks
    'a,b,t\n"1",2,"x"\n3,"4",y\n',        # quoted cells
    "\ufeffa,b,t\r\n1,2,x\r\n3,4,y\r\n",  # a BOM, CRLF
    "a,b,t\r1,2,x\r3,4,y",                # CR, no last line end
    "a,b,t\n 1 ,\t2,x\n3,4,y\n",          # padded numbers
    "a,b,t\n1,2,1\n3,4,2\n5,6,10\n",      # whole-number classes, sorted as numbers
    "a,b,t\n1,2,1.5\n3,4,2\n",            # a regression target
    "a,b,t\n1,2, x\n3,4,x \n5,6,y\n",     # labels stripped: one class x
    "a,b,t\n1,2,-0\n3,4,0\n5,6,1\n",      # -0 and 0: one class
])
def test_files_that_read(pyarrow, monkeypatch, tmp_path, text):
    (tmp_path / "d.csv").write_text(text, encoding="utf-8", newline="")
    got = fast(monkeypatch, tmp_path / "d.csv")
    assert got[0] == "ok" and got == careful(monkeypatch, tmp_path / "d.csv")


@pytest.mark.parametrize("text, task", [
    ("a,b,t\n1,2,x\n3,4,y\x00\n", "auto"),      # a NUL (Python 3.10's csv refuses it; later ones read it)
    ("a,b,t\n1,2,x\n3,4\n5,z,y\n", "auto"),      # a short row before a bad cell
    ("a,b,t\n1,z,x\n3,4\n", "auto"),             # a bad cell before a short row
    ("a,b,t\n1,2,\n3,z,y\n", "auto"),            # a bad feature before an empty target
    ('a,b,t\n1,2,x\n"3,4,y\n', "auto"),          # a quote left open
    ("a,b,t\n1,2,x\n3,4,y\n" + "5,6,\u202ez\n" * 3 + "7,8,\u202ea\n", "auto"),  # class names not printable
    ("a,b,t\n1,2,y\n" + "3,4,\n" + "1,2,x\n" * 5 + "5,z,x\n", "auto"),  # an empty target, then a bad cell
    ("a,b,t\n1,2,1\n3,4,x\n5,6,a\n", "regression"),  # labels that are not numbers: the first named
    ("a,b,t\n" + "".join(f"{i},1,{i}\n" for i in range(30)), "auto"),  # 30 whole numbers: classes or not?
])
def test_files_that_do_not_read(pyarrow, monkeypatch, tmp_path, text, task):
    (tmp_path / "d.csv").write_text(text, encoding="utf-8", newline="")
    monkeypatch.setattr(csvfile, "LOCATE_ROWS", 2)
    got = fast(monkeypatch, tmp_path / "d.csv", None, task)
    assert got[0] == "error" and got == careful(monkeypatch, tmp_path / "d.csv", None, task)


@pytest.mark.parametrize("data", [
    b"a,b,t\n1,2,x\n3,\xff,y\n",                                   # a feature cell
    b"a,b,t\n1,2,x\n3,4,\xffy\n",                                  # a label
    b"a,\xffb,t\n1,2,x\n3,4,y\n",                                  # a name
    b"a,b,t\n1,z,x\n" + b"1,2,x\n" * 20 + b"3,4\xff,y\n",           # after a bad cell, blocks later
])
def test_bytes_that_are_not_utf8_are_the_careful_readers_error(pyarrow, monkeypatch, tmp_path, data):
    (tmp_path / "d.csv").write_bytes(data)
    monkeypatch.setattr(limits, "CSV_BLOCK_BYTES", 64)
    got = fast(monkeypatch, tmp_path / "d.csv")
    assert got == careful(monkeypatch, tmp_path / "d.csv") and "not a text file" in got[1]


def test_a_cell_past_csvs_field_limit_is_the_careful_readers_error(pyarrow, monkeypatch, tmp_path):
    (tmp_path / "d.csv").write_text("a,t\n" + "0" * 200_000 + ",x\n1,y\n")
    got = fast(monkeypatch, tmp_path / "d.csv")
    assert got == careful(monkeypatch, tmp_path / "d.csv") and "field larger than field limit" in got[1]


# --- a file too big for the careful reader ------------------------------------------------------

def big(tmp_path, rows=1500, bad=None, digits=1):
    """A file of `rows` rows (about 25 KB for 1500), with `bad` = (row, text) put in."""
    lines = ["a,b,t"] + [f"{i * 0.5:.{digits}f},{-i},{'xy'[i % 2]}" for i in range(rows)]
    if bad:
        lines[bad[0]] = bad[1]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    return tmp_path / "d.csv"


@pytest.mark.parametrize("bad", [None, (1400, "1,2,x,3"), (1400, "1,z,x"), (1400, "1,2,"), (1400, "1,2,y\x1b"),
                                 (1400, "1,2,\xff")])
def test_past_what_the_careful_reader_may_hold_the_errors_are_its_own(pyarrow, monkeypatch, tmp_path, bad):
    """A 200 KB bound: the careful reader may hold 8.3 KB, the fast path (blocks of 4 KB, its
    own start left out) holds this file; an error is found a chunk at a time, as
    csvfile.load_csv words it."""
    path = big(tmp_path, bad=bad)
    monkeypatch.setattr(limits, "CSV_BLOCK_BYTES", 4096)
    monkeypatch.setattr(limits, "CSV_READER_BYTES", 64 * 1024)
    monkeypatch.setenv("MGRAD_MAX_MEMORY", "200K")
    assert os.path.getsize(path) > limits.read_limit("CSV file")[0]
    refused = outcome(csvfile.load_csv, path)
    assert refused[0] == "error" and "larger than 8.3 KB" in refused[1]
    monkeypatch.delenv(csvarrow.READER_VARIABLE, raising=False)  # auto: pyarrow, the careful reader cannot
    got = outcome(csvarrow.load_csv, path)
    assert got == careful(monkeypatch, path)


def test_the_memory_bound_admits_what_the_fast_path_holds_and_refuses_more(pyarrow, monkeypatch, tmp_path):
    path = big(tmp_path, rows=80_000, digits=20)  # 3.4 MB
    monkeypatch.setenv("MGRAD_MAX_MEMORY", "56M")
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "python")
    assert "larger than 2.3 MB, the most a CSV file may hold" in outcome(csvarrow.load_csv, path)[1]
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "auto")
    assert outcome(csvarrow.load_csv, path) == careful(monkeypatch, path)
    monkeypatch.setenv("MGRAD_MAX_MEMORY", "50M")
    assert outcome(csvarrow.load_csv, path) == ("error", f"{path}: 80,001 lines of 3 columns would need about 51.1 MB "
                                                "of memory, more than the 50.0 MB this run may use (set by "
                                                "MGRAD_MAX_MEMORY)")


@pytest.mark.parametrize("text, ends", [("a\nb\r\nc\rd", 3), ("\r\n" * 5, 5), ("x", 0), ("", 0), ("\r" * 3 + "\n", 3)])
def test_line_ends_are_counted_across_blocks(tmp_path, text, ends):
    (tmp_path / "f").write_bytes(text.encode())
    assert [csvarrow.line_ends(tmp_path / "f", block) for block in (1, 2, 3, 1 << 20)] == [ends] * 4


# --- which reader runs --------------------------------------------------------------------------

@pytest.fixture
def readers(monkeypatch):
    """Which reader each load used: a list of 'pyarrow' and 'python'."""
    used = []
    fast_load, careful_load = csvarrow._FastRead.load, csvfile.load_csv
    monkeypatch.setattr(csvarrow._FastRead, "load", lambda self, *a: used.append("pyarrow") or fast_load(self, *a))
    monkeypatch.setattr(csvfile, "load_csv", lambda *a: used.append("python") or careful_load(*a))
    return used


def test_the_reader_is_chosen_by_size_and_by_the_variable(pyarrow, monkeypatch, tmp_path, readers):
    path = big(tmp_path, rows=50)
    monkeypatch.delenv(csvarrow.READER_VARIABLE, raising=False)
    csvarrow.load_csv(path, None, "auto")  # a small file: the careful reader (importing pyarrow costs more)
    monkeypatch.setattr(csvarrow, "FAST_FROM_BYTES", 100)
    csvarrow.load_csv(path, None, "auto")
    monkeypatch.setattr(limits, "address_space_limited", lambda: True)  # ulimit -v: the careful reader
    csvarrow.load_csv(path, None, "auto")
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "pyarrow")
    csvarrow.load_csv(path, None, "auto")
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "python")
    csvarrow.load_csv(path, None, "auto")
    assert readers == ["python", "pyarrow", "python", "pyarrow", "python"]
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "arrow")
    with pytest.raises(UserInputError, match="^MGRAD_CSV_READER: expected one of auto, pyarrow, python, got 'arrow'$"):
        csvarrow.load_csv(path, None, "auto")


def without_pyarrow(monkeypatch):
    real = extras.optional
    monkeypatch.setattr(extras, "optional", lambda name: None if name.startswith("pyarrow") else real(name))


def test_without_pyarrow_the_careful_reader_reads_and_a_big_file_gets_a_hint(monkeypatch, tmp_path, readers, run):
    without_pyarrow(monkeypatch)
    monkeypatch.setattr(csvarrow, "FAST_FROM_BYTES", 100)
    monkeypatch.setattr(csvarrow, "HINT_FROM_BYTES", 100)
    path = big(tmp_path, rows=50)
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv, standardize: true}\nmodel: {layers: [2]}\nloss: cross_entropy\nepochs: 1\n")
    result = run("train", tmp_path / "c.yaml", "-q")
    assert result.exit_code == 0 and readers == ["python"]
    assert result.stderr == (f"Hint: {path} is 525 bytes: install mgrad's csv extra to load big CSVs faster: pip "
                             "install pyarrow (or, in mgrad's checkout: pip install -e '.[csv]').\n")
    monkeypatch.setenv(csvarrow.READER_VARIABLE, "pyarrow")
    result = run("train", tmp_path / "c.yaml", "-q")
    assert result.exit_code == 2 and result.stderr.startswith("Error: MGRAD_CSV_READER=pyarrow needs pyarrow, an "
                                                              "optional extra; install it with: pip install pyarrow")


def test_no_hint_for_a_small_file_or_where_pyarrow_reads(pyarrow, monkeypatch, tmp_path, run):
    big(tmp_path, rows=50)
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv, standardize: true}\nmodel: {layers: [2]}\nloss: cross_entropy\nepochs: 1\n")
    assert run("train", tmp_path / "c.yaml", "-q").stderr == ""
    monkeypatch.setattr(csvarrow, "HINT_FROM_BYTES", 100)
    assert run("train", tmp_path / "c.yaml", "-q").stderr == ""


def test_train_is_the_same_run_with_either_reader(pyarrow, monkeypatch, tmp_path, run):
    big(tmp_path, rows=300)
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv, test_split: 0.2}\nmodel: {layers: [4, 2]}\n"
                                     "loss: cross_entropy\nepochs: 2\nengine: tensor\n")
    outputs = []
    for reader in ("python", "pyarrow"):
        monkeypatch.setenv(csvarrow.READER_VARIABLE, reader)
        result = run("train", tmp_path / "c.yaml", "--save", tmp_path / f"{reader}.json")
        assert result.exit_code == 0, result.output
        ckpt = json.loads((tmp_path / f"{reader}.json").read_text())
        outputs.append((result.stdout.replace(" ms", "").split("time")[0], ckpt["data"], ckpt["weights"]))
    assert outputs[0] == outputs[1]
