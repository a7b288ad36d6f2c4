"""The `mgrad` group itself: help, version, module entry point, README and CI agree."""

import re
import subprocess
import sys

from mgrad_cli import __version__

from conftest import REPO


def test_help_lists_examples(run):
    result = run("--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "mgrad train moons\n" in result.output  # a shipped config by its name: it runs anywhere
    assert run("-h").output == result.output


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"mgrad, version {__version__}"


def test_unknown_command_is_a_usage_error(run):
    result = run("trian")
    assert result.exit_code == 2
    assert "No such command 'trian'" in result.output


def test_python_dash_m():
    proc = subprocess.run([sys.executable, "-m", "mgrad_cli", "--version"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"mgrad, version {__version__}"


def readme_commands():
    text = (REPO / "README.md").read_text()
    block = re.match(r"# mgrad\n\n```bash\n(.*?)```", text, re.S)  # the very first thing after the title
    assert block, "README must open with the set-up commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_two_setup_commands():
    main_job, tests = readme_commands()
    assert main_job.startswith("pip install") and "mgrad train configs/" in main_job
    assert tests.startswith("pip install") and "pytest" in tests


def test_ci_runs_the_readme_test_command():
    _, tests = readme_commands()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert tests in ci


def test_ctrl_c_exits_130(run, monkeypatch):
    """Any command interrupted by Ctrl-C stops with exit code 130, not click's 'Aborted!' (1)."""
    from mgrad_cli.inspect import expr

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(expr, "parse", interrupted)
    result = run("gradcheck", "x*x", "x=1")
    assert result.exit_code == 130
    assert "Interrupted." in result.stderr
