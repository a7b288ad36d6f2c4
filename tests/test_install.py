"""mgrad as users install it: the wheel built from the sdist, in a fresh venv outside the
checkout (tests/install_check.py; .ci/run runs the same check on the other Pythons)."""

import pytest

import install_check
from conftest import need_module


@pytest.mark.slow
def test_the_wheel_from_the_sdist_works_in_a_fresh_venv(capsys):
    need_module("build")
    assert install_check.main([]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("install check passed on Python 3.")
