"""Names from data are data (issue 24, data/names.py): a name holding a control character
is refused where it is read, in one line naming the file, line and column; every other
name goes through every command that shows, stores or prints names, and comes out as
itself in each medium: the terminal, JSON, Python source, matplotlib, Graphviz, HTML."""

import ast
import csv
import io
import json
import re
import tokenize
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import need_module

from mgrad_cli.cli.console import short
from mgrad_cli.errors import shorten

# printable names that mean something somewhere: rich markup and emoji codes, matplotlib
# maths (invalid maths made mathtext raise), HTML and Graphviz entities and syntax, script
# ends, Python quotes and comments, Graphviz's backslash escapes
FEATURES = ["$\\foo$ [bold red]x[/]", "</script><!-- &lt;b&gt; {a|b}"]
TARGET = "t :smile: \\N\\G \"q\""
CLASSES = ["a\"b'c # x :smile:", "&amp; <i> [b]r[/b]", "');open('PWNED','w');('"]
FILE = "$x$ [b] &lt;.csv"
LONG = "L" * 150 + "&<>" + "R" * 20_000  # past Graphviz's 16,384 and mgrad's 200
NAMES = FEATURES + [TARGET] + CLASSES + [FILE]


def hostile_csv(folder, features=FEATURES, target=TARGET, classes=CLASSES, name=FILE):
    rng = np.random.default_rng(0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(features + [target])
    for i in range(12):
        writer.writerow([f"{v:.3f}" for v in rng.normal(size=len(features))] + [classes[i % len(classes)]])
    (folder / name).write_text(buffer.getvalue())
    loss = "cross_entropy" if len(classes) > 2 else "bce"
    units = len(classes) if len(classes) > 2 else 1
    output = "linear" if units > 1 else "sigmoid"
    (folder / "c.yaml").write_text(f"data: {{csv: {json.dumps(name)}, test_split: 0.25}}\n"
                                   f"model: {{layers: [4, {units}], output: {output}}}\nloss: {loss}\n"
                                   "epochs: 3\nengine: tensor\n")
    return folder / "c.yaml", folder / name


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained on hostile names, through the CLI: (folder, train's Result)."""
    from click.testing import CliRunner
    from mgrad_cli.cli.app import cli

    folder = tmp_path_factory.mktemp("hostile")
    config, _ = hostile_csv(folder)
    result = CliRunner().invoke(cli, ["train", str(config), "--save", str(folder / "m.json"), "--log",
                                      str(folder / "log.jsonl")], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return folder, result


def test_train_prints_the_file_name_as_it_is_and_stores_every_name(trained):
    folder, result = trained
    assert f"on {FILE}:" in result.stdout and f"on {FILE} for 3 epochs" in result.stdout
    ckpt = json.loads((folder / "m.json").read_text())
    assert ckpt["data"]["feature_names"] == FEATURES and ckpt["data"]["class_names"] == sorted(CLASSES)
    assert (ckpt["data"]["target"], ckpt["data"]["name"]) == (TARGET, FILE)
    assert [json.loads(line)["epoch"] for line in (folder / "log.jsonl").read_text().splitlines()] == [1, 2, 3]


def test_predict_shows_names_as_themselves_in_every_form(run, trained):
    folder, _ = trained
    plain = run("predict", folder / "m.json", folder / FILE, env={"COLUMNS": "300"})
    assert plain.exit_code == 0, plain.output
    header, *rows = plain.stdout.splitlines()
    assert all(short(name) in header for name in FEATURES)  # (a table cuts a long name)
    doc = json.loads(run("predict", folder / "m.json", folder / FILE, "--json").stdout)
    assert doc["features"] == FEATURES and doc["classes"] == sorted(CLASSES)
    assert all(short(p["prediction"]) in row for p, row in zip(doc["predictions"], rows)) and len(rows) == 12
    assert all(set(p["probabilities"]) == set(CLASSES) for p in doc["predictions"])
    # on a terminal: a rich table, whose cells and headers read no markup
    table = run("predict", folder / "m.json", folder / FILE, env={"FORCE_COLOR": "1", "COLUMNS": "300"})
    text = re.sub(r"\x1b\[[0-9;]*m", "", table.stdout)
    assert all(short(name) in text for name in FEATURES + [doc["predictions"][0]["prediction"]])


def test_eval_shows_the_class_names_as_themselves(run, trained):
    folder, _ = trained
    result = run("eval", folder / "m.json", env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert all(name in result.stdout for name in CLASSES + [FILE])
    doc = json.loads(run("eval", folder / "m.json", "--json").stdout)
    assert doc["classes"] == sorted(CLASSES)


def comments_and_literals(code):
    """(the comments' text, the string literals' values) of Python source."""
    comments = [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.COMMENT]
    literals = [n.value for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return comments, literals


SNIPPET_CALLS = {"Sequential", "Linear", "ReLU", "Tanh", "Sigmoid", "Softmax", "double", "load", "load_state_dict",
                 "model"}


def check_code(code, path, names):
    """Names only as string literals (made by repr), never in a comment; nothing called
    but the snippet's own functions."""
    comments, literals = comments_and_literals(code)
    assert not [c for c in comments for name in NAMES + [LONG] if name in c or name[:8] in c]
    assert set(names) <= set(literals) and str(path) in literals
    calls = {getattr(n.func, "attr", getattr(n.func, "id", None)) for n in ast.walk(ast.parse(code))
             if isinstance(n, ast.Call)}
    assert calls <= SNIPPET_CALLS, calls


def test_export_code_holds_names_only_as_literals(run, trained, torch, tmp_path):
    folder, _ = trained
    out = tmp_path / "it's a \"pt\" # .pt"
    result = run("export", folder / "m.json", "-o", out)
    assert result.exit_code == 0, result.output
    code = result.stdout.split("To use it:\n", 1)[1]
    check_code(code, out, FEATURES + CLASSES)
    saved = torch.load(str(out))
    assert saved["code"] == code.rstrip("\n") and saved["feature_names"] == FEATURES
    X = np.random.default_rng(1).normal(size=(5, 2))
    scope = {"x": torch.from_numpy(X)}
    exec(saved["code"], scope)  # what a user pastes: it runs, and predicts as mgrad does
    assert scope["classes"] == sorted(CLASSES) and scope["features"] == FEATURES
    inputs = [",".join(map(repr, row)) for row in X.tolist()]
    doc = json.loads(run("predict", folder / "m.json", *[a for i in inputs for a in ("-i", i)], "--json").stdout)
    np.testing.assert_allclose(scope["output"].detach().numpy(), [[p["probabilities"][c] for c in sorted(CLASSES)]
                                                         for p in doc["predictions"]], rtol=0, atol=1e-12)


@pytest.mark.parametrize("loss, output", [("bce", "linear"), ("hinge", "linear"), ("mse", "tanh")])
def test_every_output_heads_code_keeps_names_out_of_comments(tmp_path, loss, output):
    from mgrad_cli.models import evaluate, export
    from mgrad_cli.training import trainer as training
    from mgrad_cli.training.config import load_config
    from mgrad_cli.data.datasets import load_dataset

    config, _ = hostile_csv(tmp_path, classes=CLASSES[:2])
    cfg = load_config(config, {"loss.name": loss, "model.output": output, "model.layers": [4, 1]})
    data = load_dataset(cfg["data"], 0)
    model = evaluate.Model(training.Trainer(cfg, data).checkpoint())
    check_code(export.sequential_code(model, "m.pt"), "m.pt", FEATURES + CLASSES[:2])


def test_onnx_metadata_holds_the_names(run, trained, tmp_path):
    onnx = need_module("onnx")
    folder, _ = trained
    result = run("export", folder / "m.json", "-o", tmp_path / "m.onnx")
    assert result.exit_code == 0, result.output
    meta = {p.key: p.value for p in onnx.load(str(tmp_path / "m.onnx")).metadata_props}
    assert json.loads(meta["feature_names"]) == FEATURES and json.loads(meta["class_names"]) == sorted(CLASSES)


def svg_texts(svg_text):
    root = ET.fromstring(svg_text)
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


@pytest.mark.slow
def test_plot_draws_names_literally(run, trained, tmp_path):
    need_module("matplotlib")
    folder, _ = trained
    result = run("plot", folder / "m.json", "-o", tmp_path / "p.svg")
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "p.svg").read_text()
    texts = set(re.findall(r"<!-- (.*?) -->", svg, re.S))  # matplotlib writes each text drawn as a comment
    assert {FEATURES[0], CLASSES[2]} <= {ET.fromstring(f"<a>{t}</a>").text for t in texts}


@pytest.mark.parametrize("name", ["$\\foo$", "$x^2$", "a $ b", "\\$5", "$$", "$\\$"])
def test_matplotlib_parses_no_maths_in_a_name(name):
    need_module("matplotlib")
    from matplotlib.figure import Figure

    from mgrad_cli.models.plot import plot_text

    text = Figure().text(0, 0, plot_text(name))
    assert text._preprocess_math(text.get_text()) == (name, False)


def test_train_graph_page_draws_names_literally_and_cut_to_200(run, tmp_path, dot):
    config, _ = hostile_csv(tmp_path, features=[FEATURES[0], LONG])
    result = run("train", config, "--graph", tmp_path / "g.html", "--engine", "scalar", "-q")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "g.html").read_text()
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    texts = svg_texts(svg)
    assert FEATURES[0] in texts and LONG[:100] + "…" + LONG[-99:] in texts
    assert not [t for t in texts if len(t) > 250]
    script = re.search(r'<script type="application/json" id="mgrad-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in script and "\u2028" not in script
    assert any(FEATURES[0] in step["text"] for step in json.loads(script)["steps"])
    assert page.count("</script>") == 2  # the data's and the script's own: no name ends one


def test_the_dot_source_escapes_entities_and_syntax(run, tmp_path):
    config, _ = hostile_csv(tmp_path)
    result = run("train", config, "--graph", tmp_path / "g.dot", "--engine", "scalar", "-q")
    assert result.exit_code == 0, result.output
    source = (tmp_path / "g.dot").read_text()
    assert "$\\\\foo$ [bold red]x[/]" in source  # the backslash doubled, the rest as itself
    assert "\\</script\\>\\<!-- &amp;lt;b&amp;gt; \\{a\\|b\\}" in source


@pytest.mark.parametrize("text", ["\u2028", "\u2029", "</script>", "<!--", "a\u2028</SCRIPT>"])
def test_the_pages_script_json_has_no_line_or_script_ends(text):
    from mgrad_cli.inspect.page import script_json

    out = script_json({"name": text})
    assert not re.search(r"<|\u2028|\u2029", out) and json.loads(out) == {"name": text}


# --- names with a control character: refused where they are read ----------------------------

REFUSED = {  # name, the character refused
    "newline": ("x2\nopen('PWNED','w')\n#", "U+000A"),
    "crlf": ("x\r\ny", "U+000D"),
    "escape": ("\x1b]0;TITLE\x07\x1b[2J", "U+001B"),
    "del": ("a\x7fb", "U+007F"),
    "c1": ("a\x9bb", "U+009B"),
    "bidi": ("abc\u202edcb", "U+202E"),
    "zero-width": ("a\u200bb", "U+200B"),
    "bom-inside": ("a\ufeffb", "U+FEFF"),
    "line-separator": ("a\u2028b", "U+2028"),
    "tab": ("a\tb", "U+0009"),
}


def refusal(code, shown, what="the column name"):
    return f"{what} {shown} holds a control character ({code}); a name must be printable text"


@pytest.mark.parametrize("key", REFUSED)
def test_a_column_name_with_a_control_character_is_refused_naming_file_line_and_column(run, tmp_path, key):
    name, code = REFUSED[key]
    shown = repr(name)
    (tmp_path / "d.csv").write_text(f'a,"{name}",t\n1,2,x\n3,4,y\n', newline="")
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv}\nmodel: {layers: [2]}\nloss: cross_entropy\n")
    result = run("train", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'd.csv'}, line 1, column 2: {refusal(code, shown)}\n"


@pytest.mark.parametrize("key", ["newline", "escape", "bidi", "zero-width"])
def test_a_class_name_with_a_control_character_is_refused_at_its_first_line(run, tmp_path, key):
    name, code = REFUSED[key]
    shown = repr(name)
    (tmp_path / "d.csv").write_text(f'a,b,t\n1,2,x\n3,4,"{name}"\n5,6,"{name}"\n', newline="")
    (tmp_path / "c.yaml").write_text("data: {csv: d.csv}\nmodel: {layers: [2]}\nloss: cross_entropy\n")
    result = run("train", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'd.csv'}, line 3, column 't': " \
                            f"{refusal(code, shown, 'the class name')}\n"


def test_a_csv_for_predict_with_such_a_header_is_refused(run, trained, tmp_path):
    folder, _ = trained
    (tmp_path / "new.csv").write_text('"a\x1b[2J",b\n1,2\n')
    result = run("predict", folder / "m.json", tmp_path / "new.csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {tmp_path / 'new.csv'}, line 1, column 1: " \
                            f"{refusal('U+001B', repr(chr(97) + chr(27) + '[2J'))}\n"


def test_a_csv_file_name_with_a_control_character_is_refused(run, tmp_path):
    (tmp_path / "d\x1b[2J.csv").write_text("a,b,t\n1,2,x\n3,4,y\n")
    (tmp_path / "c.yaml").write_text('data: {csv: "d\\e[2J.csv"}\nmodel: {layers: [2]}\nloss: cross_entropy\n')
    result = run("train", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {shorten(str(tmp_path / 'd') + chr(27) + '[2J.csv')}: " \
                            f"{refusal('U+001B', repr('d' + chr(27) + '[2J.csv'), 'the file name')}\n"


def test_a_config_naming_a_target_with_a_control_character_is_refused(run, tmp_path):
    (tmp_path / "c.yaml").write_text('data: {csv: d.csv, target: "t\\e]0;x\\a"}\n')
    result = run("train", tmp_path / "c.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path / 'c.yaml'}: data.target: " \
                            f"{refusal('U+001B', repr(chr(116) + chr(27) + ']0;x' + chr(7)), 'the name')}\n"


@pytest.mark.parametrize("name", ["plain", "é ü 漢", "a b", "$x$", "[/]", "\u00a0nbsp", "emoji 🙂"])
def test_printable_names_are_names(name):
    from mgrad_cli.data.names import problem

    assert problem(name) is None


def test_train_on_a_terminal_and_gradcheck_show_the_names_as_themselves(run, tmp_path):
    config, _ = hostile_csv(tmp_path)
    result = run("train", config, env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"on {FILE}" in re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    result = run("gradcheck", "--config", config)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_compare_shows_and_draws_run_names_as_themselves(run, trained, tmp_path):
    """compare (issue 22) names a run by its file: a name from data too."""
    need_module("matplotlib")
    folder, _ = trained
    runs = ["$\\foo$ [bold]x.json", "_hidden :smile:.json"]  # ("/" cannot be in a file name)
    for name in runs:
        (tmp_path / name).write_bytes((folder / "m.json").read_bytes())
    result = run("compare", *[tmp_path / n for n in runs], "-o", tmp_path / "c.svg", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert all(name in result.stdout for name in runs)
    texts = set(re.findall(r"<!-- (.*?) -->", (tmp_path / "c.svg").read_text(), re.S))
    assert {f"1 {runs[0]}", f"2 {runs[1]}"} <= {ET.fromstring(f"<a>{t}</a>").text for t in texts}


def test_compare_refuses_a_run_named_with_a_control_character(run, trained, tmp_path):
    folder, _ = trained
    name = "a\x1b[2J.json"
    (tmp_path / name).write_bytes((folder / "m.json").read_bytes())
    result = run("compare", tmp_path / name, folder / "m.json")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {shorten(str(tmp_path / name))}: the run's name {name!r} holds a control "
                             "character (U+001B); a name must be printable text\n")


def test_the_replay_page_carries_the_names_as_data(run, tmp_path):
    """train --report (issue 20): the names travel in the page's script as JSON."""
    config, _ = hostile_csv(tmp_path)
    result = run("train", config, "--report", tmp_path / "r.html", "--save", tmp_path / "m.json", "-q")
    assert result.exit_code == 0, result.output
    result = run("report", tmp_path / "m.json", "-o", tmp_path / "again.html")  # mgrad report too
    assert result.exit_code == 0, result.output
    for page in ((tmp_path / "r.html").read_text(), (tmp_path / "again.html").read_text()):
        script = re.search(r"<script>window.mgradData = (.*?);</script>", page, re.S).group(1)
        assert not re.search("[<>&\u2028\u2029]", script)
        data = json.loads(script)
        assert data["features"] == FEATURES and data["classes"] == sorted(CLASSES)
        assert FILE in data["title"] and page.count("</script>") == 2
        assert "<title>$x$ [b] &amp;lt;.csv: MLP" in page  # the title's entity drawn as typed


def test_file_names_with_a_control_character_are_shown_escaped(run, trained, tmp_path):
    """A file's name is a name from data too (a glob, `for f in *.json`, picks it up): where a
    command names the file it read or wrote, one holding an escape sequence is shown as its
    repr, never sent to the terminal raw (ESC ]0; retitles it, ESC [2J clears it)."""
    folder, _ = trained
    titled = "m\x1b]0;TITLE\x07.json"
    (tmp_path / titled).write_bytes((folder / "m.json").read_bytes())
    (tmp_path / "d\x1b[2J.csv").write_bytes((folder / FILE).read_bytes())
    config, _ = hostile_csv(tmp_path)
    results = [
        run("eval", tmp_path / titled, tmp_path / "d\x1b[2J.csv", env={"COLUMNS": "300"}),
        run("train", config, "-q", "--save", tmp_path / "s\x1b[2J.json", "--log", tmp_path / "l\x1b[2J.jsonl"),
        run("graph", "a*b", "a=1", "b=2", "-o", tmp_path / "g\x1b[2J.dot"),
        run("configs", "moons", "--copy", tmp_path / "c\x1b[2J.yaml"),
        run("export", tmp_path / titled, "-o", tmp_path / "o\x1b[2J.onnx") if need_onnx() else None,
    ]
    for result in filter(None, results):
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\\x1b" in result.output


def need_onnx():
    import importlib.util

    return importlib.util.find_spec("onnx") is not None
