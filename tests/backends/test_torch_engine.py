"""The torch engine: the tensor engine's numbers on PyTorch (losses, gradients, outputs,
optimizers and their state), and the one-line errors when PyTorch or a GPU is missing."""

import random
import sys

import numpy as np
import pytest

from mgrad_cli.nn import losses, optim
from mgrad_cli.errors import UserInputError
from mgrad_cli.backends.tensor import TensorBackend

# (loss, output activation, output units, classes)
CASES = [("mse", "linear", 1, 2), ("mse", "sigmoid", 3, 3), ("mse", "tanh", 1, None), ("hinge", "tanh", 1, 2),
         ("hinge", "linear", 1, 2), ("bce", "linear", 1, 2), ("cross_entropy", "linear", 3, 3)]
OPTIMIZERS = [{"name": "sgd", "lr": 0.1}, {"name": "momentum", "lr": 0.1, "momentum": 0.9},
              {"name": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8}]


def backends(loss, output, n_out, activation="relu", l2=1e-3):
    from mgrad_cli.backends.torch import TorchBackend

    args = (4, [8, 5, n_out], activation, output, loss, l2)
    return TensorBackend(*args), TorchBackend(*args, device="cpu", dtype="float64")


def batch(loss, output, n_out, classes, n=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = rng.normal(size=n) if classes is None else rng.integers(0, classes, n)
    return X, losses.encode_targets(loss, y, n_out, output)


@pytest.mark.parametrize("loss, output, n_out, classes", CASES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_loss_gradient_and_outputs_equal_the_tensor_engine(torch, loss, output, n_out, classes, activation):
    tensor, torch_ = backends(loss, output, n_out, activation)
    params = tensor.init_params(random.Random(1))
    assert np.array_equal(torch_.init_params(random.Random(1)), params)  # the same draws, bit for bit
    X, T = batch(loss, output, n_out, classes)
    (l1, g1, o1), (l2, g2, o2) = tensor.loss_and_grad(params, X, T), torch_.loss_and_grad(params, X, T)
    assert isinstance(l2, float) and g2.dtype == np.float64 and g2.shape == params.shape
    np.testing.assert_allclose(l2, l1, rtol=1e-12)
    np.testing.assert_allclose(g2, g1, rtol=1e-12, atol=1e-12 * np.abs(g1).max())
    np.testing.assert_allclose(o2, o1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(torch_.predict(params, X), tensor.predict(params, X), rtol=1e-12, atol=1e-14)


def autograd_step(backend, params, X, T):
    """The loss and gradient as autograd gives them with fresh leaves (fresh_leaves)."""
    import torch

    flat = torch.from_numpy(params)
    layers, grad = fresh_leaves(torch, flat, backend.sizes)
    loss = losses.LOSSES[backend.loss].torch(torch, backend.forward(layers, torch.from_numpy(X)), torch.from_numpy(T))
    loss.backward()
    grad = grad()
    grad.add_(flat, alpha=2 * backend.l2)
    return (loss + backend.l2 * torch.dot(flat, flat)).item(), grad.numpy()


def fresh_leaves(torch, flat, sizes):
    """Each layer's weight and bias copied out of the flat vector's blocks as leaves of
    their own, and a function that copies their gradients back into the flat order."""
    from mgrad_cli.backends.mlp import blocks

    layers = [(b[:, :-1].contiguous().requires_grad_(), b[:, -1].contiguous().requires_grad_())
              for b in blocks(flat, sizes)]

    def grad():
        out = torch.empty_like(flat)
        for (w, b), block in zip(layers, blocks(out, sizes)):
            block[:, :-1].copy_(w.grad)
            block[:, -1].copy_(b.grad)
        return out

    return layers, grad


def same_bits(a, b):
    return np.array_equal(np.asarray(a).view(np.int64), np.asarray(b).view(np.int64))


def negative_zero(a):
    return bool((np.signbit(a) & (a == 0)).any())


@pytest.mark.parametrize("loss, output, n_out, classes", CASES)
@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_a_step_is_autograds_to_the_bit_step_after_step(torch, loss, output, n_out, classes, l2):
    # the layers are leaves kept from step to step: each step's numbers are a fresh autograd's
    _, torch_ = backends(loss, output, n_out, l2=l2)
    params = torch_.init_params(random.Random(5))
    for seed in range(3):  # nothing of one step stays in the next (a gradient added twice)
        X, T = batch(loss, output, n_out, classes, seed=seed)
        params = params * 1.5 - 0.25 * seed
        got, expected = torch_.loss_and_grad(params, X, T), autograd_step(torch_, params, X, T)
        assert got[0] == expected[0] and same_bits(got[1], expected[1])


def test_the_leaves_keep_the_sign_of_a_zero_gradient(torch):
    from mgrad_cli.backends.torch import Leaves

    sizes = [3, 2, 2]
    leaves = Leaves(torch, sizes, torch.float64, torch.device("cpu"))
    for shift in (0.0, 1.0):  # twice: the second step's gradient is not added to the first's
        flat = torch.arange(14, dtype=torch.float64) - 5 + shift
        scale = torch.tensor([-0.0, 1.5, -2.0, 3.0], dtype=torch.float64)  # gradients of -0.0 too
        ref, ref_grad = fresh_leaves(torch, flat, sizes)
        for layers in (leaves.load(flat), ref):
            sum(((w * w).sum(1) + b) @ part for (w, b), part in zip(layers, (scale[:2], scale[2:]))).backward()
        assert same_bits(leaves.values.numpy(), flat.numpy())
        assert same_bits(leaves.grad().numpy(), ref_grad().numpy()) and negative_zero(ref_grad().numpy())


@pytest.mark.parametrize("loss", ["hinge", "bce"])
def test_losses_at_large_and_zero_margins_equal_the_tensor_engine(torch, loss):
    # margins of ±50 (exp would overflow a naive bce) and exactly 0 (bce's slope there is -1/2)
    tensor, torch_ = backends(loss, "linear", 1, l2=0.0)
    params = tensor.init_params(random.Random(2))
    X = np.array([[0.0, 0, 0, 0], [30, -20, 10, 5], [-30, 20, -10, -5]])
    T = np.array([[1.0], [1.0], [-1.0]])
    (l1, g1, _), (l2, g2, _) = tensor.loss_and_grad(params * 3, X, T), torch_.loss_and_grad(params * 3, X, T)
    np.testing.assert_allclose(l2, l1, rtol=1e-12)
    np.testing.assert_allclose(g2, g1, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("cfg", OPTIMIZERS, ids=lambda c: c["name"])
def test_torch_optim_gives_optim_pys_updates_and_state(torch, cfg):
    tensor, torch_ = backends("cross_entropy", "linear", 3)
    X, T = batch("cross_entropy", "linear", 3, 3)
    start = tensor.init_params(random.Random(3))
    ours, theirs = optim.make_optimizer(cfg, len(start)), torch_.make_optimizer(cfg, len(start))
    a, b = start.copy(), start.copy()
    for k in range(25):
        lr = cfg["lr"] * (1 - k / 50)  # a schedule: the lr changes every step
        ours.step(a, tensor.loss_and_grad(a, X, T)[1], lr)
        theirs.step(b, torch_.loss_and_grad(b, X, T)[1], lr)
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)
    s, t = ours.state_dict(), theirs.state_dict()
    assert sorted(s) == sorted(t) and s["name"] == t["name"] and s["t"] == t["t"] == 25
    for key in set(s) - {"name", "t"}:
        np.testing.assert_allclose(t[key], s[key], rtol=1e-12, atol=1e-15)
    assert theirs.is_finite()


@pytest.mark.parametrize("cfg", OPTIMIZERS, ids=lambda c: c["name"])
def test_optimizer_state_moves_between_engines(torch, cfg):
    """5 steps on one engine, its state_dict loaded into the other's optimizer, 5 more: as 10 on one."""
    tensor, torch_ = backends("mse", "linear", 1)
    X, T = batch("mse", "linear", 1, 2)
    start = tensor.init_params(random.Random(4))

    def steps(backend, opt, params, k):
        for _ in range(k):
            opt.step(params, backend.loss_and_grad(params, X, T)[1], 0.05)
        return opt

    straight = start.copy()
    steps(tensor, optim.make_optimizer(cfg, len(start)), straight, 10)
    for first, second in ((tensor, torch_), (torch_, tensor)):
        make = {tensor: lambda: optim.make_optimizer(cfg, len(start)), torch_: lambda: torch_.make_optimizer(cfg, len(start))}
        params = start.copy()
        state = steps(first, make[first](), params, 5).state_dict()
        opt = make[second]()
        opt.load_state_dict(state)
        steps(second, opt, params, 5)
        np.testing.assert_allclose(params, straight, rtol=1e-12, atol=1e-14)


def test_a_damaged_optimizer_state_is_named(torch):
    _, torch_ = backends("mse", "linear", 1)
    opt = torch_.make_optimizer(OPTIMIZERS[2], torch_.n_params)
    with pytest.raises(ValueError, match="optimizer state has no 'm'"):
        opt.load_state_dict({"name": "adam", "t": 3, "v": [0.0] * torch_.n_params})
    with pytest.raises(ValueError, match="optimizer state is for 'sgd', not 'adam'"):
        opt.load_state_dict({"name": "sgd", "t": 3})


def test_an_overflowing_update_makes_the_state_not_finite(torch):
    _, torch_ = backends("mse", "linear", 1)
    opt = torch_.make_optimizer(OPTIMIZERS[1], torch_.n_params)
    params = np.zeros(torch_.n_params)
    opt.step(params, np.full(torch_.n_params, 1e308), 1.0)
    opt.step(params, np.full(torch_.n_params, 1e308), 1.0)  # v = 0.9e308 + 1e308: inf
    assert not opt.is_finite()


@pytest.mark.parametrize("v, finite", [([1e308, 1e308, 0.0], True), ([np.inf, -np.inf, 0.0], False),
                                         ([1.0, np.nan, 2.0], False), ([-np.inf, 1.0, 2.0], False)])
def test_the_state_is_finite_when_every_number_is(torch, v, finite):
    # one sum per vector: a sum that overflows (1e308 + 1e308) looks at the numbers themselves
    _, torch_ = backends("mse", "linear", 1)
    opt = torch_.make_optimizer(OPTIMIZERS[1], torch_.n_params)
    opt.load_state_dict({"name": "momentum", "t": 1, "v": (v * torch_.n_params)[:torch_.n_params]})
    assert opt.is_finite() is finite


def test_float32_runs_in_float32_and_stays_close(torch):
    from mgrad_cli.backends.torch import TorchBackend

    tensor, _ = backends("cross_entropy", "linear", 3)
    f32 = TorchBackend(4, [8, 5, 3], "relu", "linear", "cross_entropy", 1e-3, device="cpu", dtype="float32")
    assert (f32.device_name, f32.dtype_name, f32.dtype) == ("cpu", "float32", torch.float32)
    params = tensor.init_params(random.Random(5))
    X, T = batch("cross_entropy", "linear", 3, 3)
    (l1, g1, _), (l2, g2, _) = tensor.loss_and_grad(params, X, T), f32.loss_and_grad(params, X, T)
    assert g2.dtype == np.float64 and l2 != l1  # float32 rounding, returned as float64
    np.testing.assert_allclose(l2, l1, rtol=1e-5)
    np.testing.assert_allclose(g2, g1, rtol=1e-4, atol=1e-5)


def test_auto_is_float64_on_the_cpu(torch, monkeypatch):
    from mgrad_cli.backends.torch import resolve

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve("auto", "auto") == ("cpu", "float64")
    assert resolve("cpu", "float32") == ("cpu", "float32")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve("auto", "auto") == ("cuda", "float32")  # a GPU is picked, in float32
    assert resolve("cuda", "float64") == ("cuda", "float64")


def test_cuda_without_a_gpu_is_a_one_line_error(torch, monkeypatch):
    from mgrad_cli.backends.torch import resolve

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserInputError) as e:
        resolve("cuda", "auto")
    assert str(e.value) == ("device cuda: PyTorch sees no GPU here (torch.cuda.is_available() is False); "
                            "use device cpu or auto")


def test_without_pytorch_the_error_names_the_extra(monkeypatch):
    from mgrad_cli.backends.torch import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(UserInputError) as e:
        require_torch()
    assert str(e.value) == ("the torch engine needs PyTorch, an optional extra; "
                            "install it with: pip install torch (or, in mgrad's checkout: pip install -e '.[torch]')")
    assert e.value.exit_code == 2
