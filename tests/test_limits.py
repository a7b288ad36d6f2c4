"""limits.py: the memory bound (MGRAD_MAX_MEMORY, RLIMIT_AS) and the estimates against it."""

import resource
import subprocess
import sys

import pytest

from conftest import REPO, write

from mgrad_cli import backends, limits
from mgrad_cli.backends import mlp
from mgrad_cli.backends.mlp import Memory
from mgrad_cli.backends.tensor import TensorBackend
from mgrad_cli.training.config import validate_config
from mgrad_cli.errors import UserInputError


@pytest.mark.parametrize("text, size", [("64G", 64 * 2 ** 30), ("500m", 500 * 2 ** 20), ("2.5G", int(2.5 * 2 ** 30)),
                                        ("64GB", 64 * 2 ** 30), ("1000", 1000), (" 1K ", 1024)])
def test_sizes(text, size):
    assert limits.parse_size(text, "X") == size


@pytest.mark.parametrize("text", ["", "G", "-1G", "0", "1Q", "1e99", "nan", "inf"])
def test_a_bad_size_names_the_variable(text):
    with pytest.raises(UserInputError) as e:
        limits.parse_size(text, "MGRAD_MAX_MEMORY")
    assert str(e.value).startswith("MGRAD_MAX_MEMORY: expected a size such as 8G, 500M or a number of bytes, got ")


def test_the_variable_replaces_the_bound():
    assert limits.memory_budget({"MGRAD_MAX_MEMORY": "3G"}) == (3 * 2 ** 30, "set by MGRAD_MAX_MEMORY")


def test_the_bound_is_half_of_what_an_address_space_limit_leaves():
    # the cap is set in a child process: a limit set here would hold for the rest of the tests
    before = resource.getrlimit(resource.RLIMIT_AS)
    code = ("import resource; from mgrad_cli import limits; "
            "used = limits._address_space_used(); "
            "resource.setrlimit(resource.RLIMIT_AS, (used + 2 ** 30, resource.RLIM_INFINITY)); "
            "print(*limits.memory_budget({}), sep='|')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    size, why = done.stdout.strip().split("|")
    assert 0.45 * 2 ** 30 < int(size) <= 0.5 * 2 ** 30
    assert why == "half what the address-space limit leaves; MGRAD_MAX_MEMORY=SIZE sets this bound"
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # this process is not capped
    if before[0] == resource.RLIM_INFINITY:  # so here the bound is the available memory's
        assert limits.memory_budget({})[1] == "half the available memory; MGRAD_MAX_MEMORY=SIZE sets this bound"


def costs(text):
    config = validate_config(text, "c.yaml")
    return limits.training_costs(config, config["data"]["n_samples"], 2)


def test_estimates_grow_with_what_is_built():
    small = costs({"model": {"layers": [16, 16, 1]}})
    wide = costs({"model": {"layers": [160, 160, 1]}})
    assert [c.field for c in small] == ["data.n_samples", "model.layers", "batch_size"]
    assert all(w.nbytes > s.nbytes for s, w in zip(small[1:], wide[1:]))
    tensor = costs({"model": {"layers": [16, 16, 1]}, "engine": "tensor"})
    assert tensor[2].nbytes * 50 < small[2].nbytes  # a node per number against an array per layer
    batch = costs({"model": {"layers": [16, 16, 1]}, "batch_size": 10})
    assert batch[2].nbytes * 10 == small[2].nbytes


def test_a_refusal_names_the_first_cost_that_does_not_fit(monkeypatch):
    monkeypatch.setenv("MGRAD_MAX_MEMORY", "1M")
    config = validate_config({"model": {"layers": [1000, 1000, 1]}}, "c.yaml")
    with pytest.raises(UserInputError) as e:
        limits.check(limits.training_costs(config, 100, 2), "c.yaml")
    assert str(e.value) == (
        "c.yaml: model.layers: an MLP 2-1000-1000-1 (1,005,001 parameters) on the scalar engine would need about "
        "335.5 MB of memory, more than the 1.0 MB this run may use (set by MGRAD_MAX_MEMORY); use a smaller model")


def test_the_bound_can_be_lowered_and_raised_from_the_environment(run, repo):
    result = run("train", f"{repo}/configs/tiny.yaml", "-q", env={"MGRAD_MAX_MEMORY": "10K"})
    assert result.exit_code == 2
    assert result.output.startswith("Error: ")
    assert "tiny.yaml: model.layers: an MLP 3-4-4-1 (41 parameters) on the scalar engine would need about" in \
        result.output
    assert run("train", f"{repo}/configs/tiny.yaml", "-q", env={"MGRAD_MAX_MEMORY": "1G"}).exit_code == 0
    result = run("train", f"{repo}/configs/tiny.yaml", "-q", env={"MGRAD_MAX_MEMORY": "lots"})
    assert (result.exit_code, result.output) == (
        2, "Error: MGRAD_MAX_MEMORY: expected a size such as 8G, 500M or a number of bytes, got 'lots'\n")


class Costly(TensorBackend):
    """A toy engine that counts its memory its own way: a gigabyte a parameter, a byte a step."""

    name = "costly"

    @classmethod
    def memory(cls, config, sizes, rows):
        return Memory(mlp.n_parameters(sizes) * 2 ** 30, rows, "a costly step", "use a cheaper engine")


def test_the_estimate_is_the_engines_own(run, tmp_path, monkeypatch):
    monkeypatch.setitem(backends.BACKENDS, "costly", Costly)
    config = validate_config({"engine": "costly", "model": {"layers": [3, 1]}}, "c.yaml")
    data, params, step = limits.training_costs(config, 100, 2)
    assert (params.nbytes, step.nbytes, step.what) == (13 * 2 ** 30, 100, "a costly step")
    cfg = write(tmp_path, "c.yaml", "engine: costly\ndata: tiny\nmodel: {layers: [3, 1]}\n")
    result = run("train", cfg, env={"MGRAD_MAX_MEMORY": "8G"})
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {cfg}: model.layers: an MLP 3-3-1 (16 parameters) on the costly engine would "
                             "need about 16.0 GB of memory, more than the 8.0 GB this run may use (set by "
                             "MGRAD_MAX_MEMORY); use a smaller model\n")


def test_a_gpu_run_is_not_charged_for_what_the_gpu_holds():
    cpu = costs({"engine": "torch", "device": "cpu", "model": {"layers": [512, 512, 1]}})
    gpu = costs({"engine": "torch", "device": "cuda", "model": {"layers": [512, 512, 1]}})
    tensor = costs({"engine": "tensor", "model": {"layers": [512, 512, 1]}})
    assert [c.nbytes for c in cpu] == [c.nbytes for c in tensor]  # on the CPU: an array engine's
    assert gpu[1].nbytes == cpu[1].nbytes  # the parameters' vectors and checkpoints stay in this process
    assert gpu[2].nbytes * 500 < cpu[2].nbytes  # the activations are on the GPU
    assert gpu[2].what == ("a step on 100 samples of an MLP 2-512-512-1 on the torch engine (its inputs and "
                           "outputs; the rest is in the GPU's memory)")
