"""The examples in README.md and docs/*.md, read out of the Markdown for
tests/test_docs_examples.py (which runs them) and tests/test_docs.py.

What counts as an example:

- In a ```bash (or sh, shell) block, each line that starts with `mgrad ` is a command; its
  output is not shown, so only its exit code is checked.
- In any other fenced block (console, text, or none), a line that starts with `$ mgrad ` is
  a command, and the lines after it, up to the next `$ ` line or the end of the block, are
  its output as shown (see `output_matches` for how it is compared).
- A ```python block is a program; its `#> ` comment lines are what it prints.

HTML comments just before a block (blank lines between are fine) tell the test more:

- `<!-- slow -->`: the block's commands take over 3 s on the 2-core test machine. Only a
  slow example may use what a slow one writes (-m 'not slow' leaves both out).
- `<!-- exit: N -->`: the block's commands exit with status N (default 0; a command whose
  output starts with `Error:` exits 2).
- `<!-- file: NAME -->`: the block is the content of the file NAME, written to the page's
  folder before the next command runs. `<!-- file: NAME` followed by lines and `-->` is a
  file the reader need not see.

A command runs through bash (so pipes, `&&`, globs and `# comments` work), in one folder
per page, in the order the page shows, with `mgrad` meaning `python -m mgrad_cli` of this
checkout and nothing on its standard input (`run_shell`, `Folders`; tests/cli/
test_help_examples.py runs the examples of every --help so too).
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHELL_LANGUAGES = {"bash", "sh", "shell"}
# pages whose commands are not examples to run: the reference is each command's --help
NOT_EXAMPLES = {"docs/cli-reference.md"}
MARKER = re.compile(r"<!--\s*(slow|exit|file)\b:?\s*(.*?)\s*(-->)?\s*$")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")


@dataclass
class Example:
    page: str           # relative to the repository, as README.md or docs/engine.md
    line: int           # where the command (or program) is, 1-based
    text: str           # the shell command (without `$ `), or the Python program
    kind: str = "shell"             # shell or python
    output: list = None             # the output shown, or None
    exit_code: int = 0
    slow: bool = False
    files: list = field(default_factory=list)  # [(name, content)] to write first

    @property
    def id(self):
        return f"{self.page}:{self.line}"


def pages():
    """README.md and every docs page, as paths relative to the repository."""
    found = ["README.md"] + sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))
    return [page for page in found if page not in NOT_EXAMPLES]


def fenced_blocks(text):
    """[(language, first line number of the content, content lines, markers)] of a page.

    markers: {"slow": True, "exit": N, "file": NAME, "hidden_files": [(name, content)]}
    from the HTML comments just before the block."""
    lines = text.splitlines()
    blocks, markers, i = [], {}, 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        marker = MARKER.match(line.strip())
        if fence:
            indent, ticks, language = fence.groups()
            body, i = [], i + 1
            first = i + 1  # the 1-based number of the block's first line
            while i < len(lines) and not lines[i].strip().startswith(ticks):
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
                i += 1
            blocks.append((language.lower(), first, body, markers))
            markers = {}
        elif marker:
            name, value, closed = marker.groups()
            if name == "file" and not closed:  # a hidden file: its lines follow, up to -->
                content = []
                i += 1
                while lines[i].strip() != "-->":  # an IndexError here: the comment is not closed
                    content.append(lines[i])
                    i += 1
                markers.setdefault("hidden_files", []).append((value, "\n".join(content) + "\n"))
            elif name == "slow":
                markers["slow"] = True
            elif name == "exit":
                markers["exit"] = int(value)
            else:
                markers["file"] = value
        elif line.strip() and not line.strip().startswith("<!--"):
            # a marker applies only to the block right after it; a hidden file stays written
            markers = {k: v for k, v in markers.items() if k == "hidden_files"}
        i += 1
    return blocks


def examples(page):
    """The examples of one page, in order."""
    found, files = [], []
    for language, first, body, markers in fenced_blocks((REPO / page).read_text(encoding="utf-8")):
        files.extend(markers.get("hidden_files", []))
        if "file" in markers:
            files.append((markers["file"], "\n".join(body) + "\n"))
            continue
        if language == "python":
            found.append(Example(page, first, "\n".join(body) + "\n", kind="python",
                                 output=[line[3:] if len(line) > 2 else "" for line in body
                                         if line.startswith("#>")]))
            continue
        for offset, command, output in commands(body, shell=language in SHELL_LANGUAGES):
            default = 2 if output and output[0].startswith("Error:") else 0
            found.append(Example(page, first + offset, command, output=output,
                                 exit_code=markers.get("exit", default),
                                 slow=markers.get("slow", False), files=files))
            files = []
    return found


def commands(body, shell):
    """[(line offset, command, output or None)] of a block's lines."""
    found = []
    for n, line in enumerate(body):
        if shell and line.startswith("mgrad "):
            command = line
            while command.endswith("\\") and n + 1 < len(body):
                n += 1
                command = command[:-1] + body[n]
            found.append((n, command, None))
        elif not shell and line.startswith("$ "):
            output = []
            for after in body[n + 1:]:
                if after.startswith("$ "):
                    break
                output.append(after)
            if line.startswith("$ mgrad "):
                found.append((n, line[2:], output))
    return found


TIME = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s)\b")     # 141 ms, 16.8 s: they vary run to run
SIZE = re.compile(r"\b\d[\d.,]* ?(?:GB|MB|KB|kB)\b")  # the memory this machine lets a run use
RULE = re.compile(r"─+")  # a table's rule alone on its line: as wide as its columns, a time column's too


def normalise(line):
    """A line as compared: runs of spaces as one, times and memory sizes as placeholders, a
    table's rule (a line of ─ only) as one ─."""
    if RULE.fullmatch(line.strip()):
        return "─"
    line = TIME.sub("<time>", line)
    line = SIZE.sub("<size>", line)
    return " ".join(line.split())


def output_matches(shown, actual):
    """None when every line of the output shown appears in the actual output, in the same
    order (lines left out, as a `...` line says, are allowed), after `normalise`; otherwise
    the first shown line that is not found. Lines are compared as runs of words, so where
    rich wraps a paragraph may differ: it moves with the width of a duration ("in 9.2 s",
    "in 16.8 s") the line holds."""
    words = [word for line in actual.splitlines() for word in normalise(line).split()]
    position = 0
    for line in shown:
        expected = normalise(line).split()
        if expected in ([], ["..."], ["…"]):
            continue
        found = _find_run(words, expected, position)
        if found is None:
            return line
        position = found + len(expected)
    return None


def _find_run(words, run, start):
    """The first index >= start where `run` occurs in `words` as consecutive items, or None."""
    for i in range(start, len(words) - len(run) + 1):
        if words[i] == run[0] and words[i:i + len(run)] == run:
            return i
    return None


def needs(command):
    """What a command needs beyond mgrad: [(what, how to install)]."""
    found = []
    graph_output = re.search(r"(?:-o|--output)\s+(\S+)", command)
    draws = (command.startswith("mgrad graph") and not (graph_output and graph_output.group(1).endswith(".dot"))
             or re.search(r"--graph\s+(?!\S+\.dot\b)\S+", command))
    if draws:
        found.append(("dot", "apt-get install graphviz"))
    if "--plot" in command or command.startswith("mgrad plot"):
        found.append(("matplotlib", "pip install matplotlib"))
    if re.search(r"--engine\s+(torch|all)\b", command) or re.search(r"\.pt\b", command):
        found.append(("torch", "pip install torch"))
    if ".onnx" in command:
        found.append(("onnx", "pip install onnx"))
    return found


# --- running them -------------------------------------------------------------------------

def environment():
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    # PYTHONUNBUFFERED: stdout and stderr in the order they were written, as a terminal shows them
    env.update(COLUMNS="100", NO_COLOR="1", PYTHONUNBUFFERED="1", MGRAD_PYTHON=sys.executable, CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return env


def run_shell(command, folder):
    """Run command with bash in folder, with nothing on its standard input (a quiz finds the
    end of its answers); `mgrad` is this checkout's. -> (exit code, output)."""
    script = 'mgrad() { "$MGRAD_PYTHON" -m mgrad_cli "$@"; }\nset -o pipefail\n' + command + "\n"
    proc = subprocess.run(["bash", "-c", script], cwd=folder, env=environment(), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return proc.returncode, proc.stdout


def available(what):
    """Whether what `needs` names is here: the dot program, or a Python module."""
    if what == "dot":
        return shutil.which("dot") is not None
    return importlib.util.find_spec(what) is not None


class Folders:
    """One folder per page, and how far its examples have run. links: the folder has the
    repository's configs/ and datasets/ (as links), as a checkout has; else it starts
    empty, as a folder of a user who installed mgrad does."""

    def __init__(self, factory, examples, links=True):
        self.factory, self.examples, self.links = factory, examples, links
        self.folders, self.done = {}, {}

    def folder(self, page):
        if page not in self.folders:
            folder = self.factory.mktemp(re.sub(r"\W", "_", page))
            for name in ("configs", "datasets") if self.links else ():
                (folder / name).symlink_to((REPO / name).resolve(), target_is_directory=True)
            self.folders[page], self.done[page] = folder, -1
        return self.folders[page]

    def run(self, example):
        """Run `example`, after any earlier example of its page that has not run (when this
        one was selected alone): their files may be what it reads. Slow ones are left out
        there unless this one is slow too: only a slow example may depend on a slow one
        (a compare of what a sweep wrote)."""
        folder = self.folder(example.page)
        page = [e for e in self.examples if e.page == example.page]
        index = page.index(example)
        for earlier in page[self.done[example.page] + 1:index]:
            if (example.slow or not earlier.slow) and all(available(what) for what, _ in needs(earlier.text)):
                self.execute(earlier, folder)
        self.done[example.page] = index
        return self.execute(example, folder)

    @staticmethod
    def execute(example, folder):
        for name, content in example.files:
            (folder / name).write_text(content)
        return run_shell(example.text, folder)
