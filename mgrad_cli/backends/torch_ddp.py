"""The torch engine, data-parallel: its MLP as a torch.nn.Module wrapped in
DistributedDataParallel, for one rank of a process group (training/distributed.py).

Every rank is handed the whole batch (every rank draws the same batch order) and computes
the loss of its own share of the rows (the group's share()) through the DDP-wrapped
module, scaled by that share's fraction of the batch's rows. DDP all-reduces the
gradients during backward(), with a comm hook that sums them (DDP's own hook would divide
by the world size): the sum of the ranks' scaled gradients is the gradient of the batch's
mean loss, also when the rows do not split evenly, and a rank without rows adds zeros.
The batch's loss is the sum of the ranks' scaled losses, all-reduced together with their
stop signals (group.agree). The l2 term, l2 * p.p, is added once to the summed loss and
gradient, as in one process. In float64 the loss curve is one process's to rounding.

The trainer's flat numpy vector stays the truth: it is copied into the module's weights
before each step, and the summed gradients are copied back in its order, so the
optimizer, checkpoints and early stopping see what they see in one process. Everything
else (the forward pass, the losses, the optimizers, the threads, predictions) is the
torch engine's (TorchBackend), which DataParallel hands every other attribute to.
"""

from ..nn import losses


def summed(group, bucket):
    """A DDP comm hook: all-reduce a bucket of gradients as their sum (DDP's default
    hook, default_hooks.allreduce_hook, divides by the world size)."""
    import torch.distributed as dist

    work = dist.all_reduce(bucket.buffer(), group=group, async_op=True)
    return work.get_future().then(lambda fut: fut.value()[0])


def layers_module(backend):
    """A torch.nn.Module of the backend's MLP: a weight (out x in) and bias Parameter per
    layer, on its device in its dtype; forward(X, outputs=None) is the backend's forward."""
    torch = backend.torch

    class MLPLayers(torch.nn.Module):
        def __init__(self):
            super().__init__()
            make = dict(dtype=backend.dtype, device=backend.device)
            sizes = list(zip(backend.sizes, backend.sizes[1:]))
            self.weights = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(b, a, **make)) for a, b in sizes)
            self.biases = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(b, **make)) for _, b in sizes)
            self.outputs = None

        def pairs(self):
            return list(zip(self.weights, self.biases))

        def forward(self, X):
            return backend.forward(self.pairs(), X, self.outputs)

    return MLPLayers()


class DataParallel:
    """The torch engine (`backend`, a TorchBackend) training one rank's share of each batch
    of a process group (`group`, a training.distributed.Group), its model in DDP."""

    def __init__(self, backend, group):
        torch = backend.torch
        self.inner, self.group = backend, group
        self.module = layers_module(backend)
        gpu = backend.device.type == "cuda"
        try:
            self.model = torch.nn.parallel.DistributedDataParallel(
                self.module, device_ids=[group.device.index] if gpu else None)
        except RuntimeError as e:  # its first collectives (checking the shapes, sharing rank 0's weights)
            raise group.failed(e) from None
        self.model.register_comm_hook(None, summed)

    def __getattr__(self, name):  # everything but a step is the torch engine's
        return getattr(self.inner, name)

    def runs_on(self):
        """'cpu, float64, 1 thread each, 2 processes over gloo'."""
        inner = self.inner
        where = f"{inner.device_name}, {inner.dtype_name}"
        if inner.threads is not None and inner.device_name == "cpu":
            where += f", {inner.threads} thread{'s' if inner.threads > 1 else ''}" + (" each" if self.group.world > 1
                                                                                   else "")
        return f"{where}, {self.group.describe()}"

    def loss_and_grad(self, params, X, T, outputs=None):
        """The batch's loss and gradient (summed over the ranks) and this rank's share's
        outputs; given a list as `outputs`, its share's layer outputs are appended."""
        inner, torch = self.inner, self.inner.torch
        rows = self.group.share(len(X))
        n = len(X)
        X, T = X[rows], T[rows]
        flat = inner.tensor(params)
        with torch.no_grad():
            for (w, b), (vw, vb) in zip(self.module.pairs(), inner.views(flat)):
                w.copy_(vw)
                b.copy_(vb)
        x = inner.tensor(X).reshape(-1, inner.nin)
        self.module.outputs = outputs
        scores = self.model(x)
        if len(x):
            loss = losses.LOSSES[inner.loss].torch(torch, scores, inner.tensor(T).reshape(len(x), -1)) * (len(x) / n)
        else:  # no rows here: a zero, so that this rank's backward joins the others' all-reduce
            loss = scores.sum() * 0.0
        try:
            loss.backward()
        except RuntimeError as e:
            raise self.group.failed(e) from None
        grad = self._gradient(flat)
        total = float(self.group.agree([loss.item()])[0])
        if inner.l2:
            total += inner.l2 * float(torch.dot(flat, flat))
            grad.add_(flat, alpha=2 * inner.l2)
        return total, inner.numpy(grad), inner.numpy(scores)

    def _gradient(self, flat):
        """The summed gradients in the flat vector's order (the module's are cleared)."""
        grad = self.inner.torch.empty_like(flat)
        for (w, b), (gw, gb) in zip(self.module.pairs(), self.inner.views(grad)):
            gw.copy_(w.grad)
            gb.copy_(b.grad)
            w.grad = b.grad = None
        return grad
