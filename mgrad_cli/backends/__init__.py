"""Engines behind one protocol, and the registry the config's `engine` choices come from.

An engine computes an MLP's loss, gradient and outputs; everything else (the optimizer,
the schedule, the epochs, checkpoints, evaluation, gradcheck, drawing) is the same for
every engine because it sees only this protocol and flat float64 vectors. The engines:
scalar.py (the lecture's MLP of Values), tensor.py (numpy arrays) and torch.py (PyTorch),
on the MLP layout of mlp.py; torch_ddp.py wraps the torch engine for data-parallel
training. A backend:

    Backend.from_config(config, nin)   build it for a resolved config's model and loss,
                                       on inputs of nin features
    init_params(rng)            -> params: the initial flat vector (rng: a random.Random)
    parameter_names()           -> a name per number of params, in order
    loss_and_grad(params, X, T, layers=None)
                                -> (loss: float, grad like params, outputs: n x n_out);
                                   given a list as `layers`, the engine appends to it
                                   each layer's outputs after its activation (n x units,
                                   float64 numpy), the output layer last: what
                                   training/layerstats.py measures
    predict(params, X)          -> outputs (n x n_out)
    loss_graph(params, X, T, feature_names=None)
                                -> the loss on the batch (X, T) as a graph of nodes
                                   (node.Node: op, children, data, grad, label) after
                                   backward(), for drawing and for gradcheck's kinks
                                   (leaves labelled with parameter_names(), a node per
                                   parameter, are gradchecked node by node)
    graph_clusters(root)        -> {node: title} of the nodes a drawing boxes together
                                (a neuron's), or None
    make_optimizer(cfg, n)      -> the optimizer of a config's `optimizer` section for n
                                   parameters, with optim.py's interface and state_dict
    set_threads(n=None)         -> the engine's own threads, set to n (None: as they are),
                                   or None when it has none (it runs on numpy's BLAS)
    runs_on()                   -> where it computes ("cpu, float64, 2 threads") when the
                                   engine can choose, for the table and summary; or None
    name                        the registry's name for it
    graph_samples               how many samples `train --graph` draws the loss on:
                                1 for a node per number, None for the whole first batch
    devices, dtypes             the config's `device` and `dtype` choices it accepts
                                (besides auto)
    settings(config)            (a classmethod) its own keyword arguments from a config
    unavailable(device)         (a classmethod) why one of its devices cannot compute on
                                this machine (cuda where PyTorch sees no GPU), or None:
                                config.load_config names the setting that asked for it
    memory(config, sizes, rows) (a classmethod) what training an MLP of `sizes` holds in
                                this process's memory (limits.py checks it before
                                anything is built): a Memory of bytes for the parameters
                                and for a step on `rows` samples; what a device (a GPU)
                                holds is not counted there
    data_loss(outputs, T)       -> the loss of outputs (n x n_out, float64) against T without
                                   the l2 term: what held-out rows report

X holds standardized inputs (n x nin) and T the targets as losses.encode_targets gives
them; params is the flat vector in backends.mlp's order (which also names the numbers
and draws the initial weights, so one seed gives the same network on every engine).
MLPBackend (backends.mlp) provides from_config, init_params, parameter_names, the
optim.py optimizers, the CPU in float64 with no threads of its own, graph_clusters
(none), an array engine's memory and the held-out loss in the tensor engine's form.

The registry also names the engines other code asks for by role, never by name: FAST,
for many predictions at once and where a model's own engine cannot run here,
REFERENCE, the engine the others are checked against (`gradcheck --engine both`), and
DATA_PARALLEL, the engine `train --nproc` and torchrun train in many processes
(backends/torch_ddp.py; data_parallel(name) says whether an engine is it).

Adding an engine is a module with its backend class and an entry in BACKENDS:
"module:Class" (imported when first used, so an engine's own dependencies load only
when it is asked for) or the class itself.
"""

import importlib

from ..errors import ConfigError, UserInputError

BACKENDS = {
    "scalar": "mgrad_cli.backends.scalar:ScalarBackend",   # a Value per number: the lecture's engine
    "tensor": "mgrad_cli.backends.tensor:TensorBackend",   # numpy arrays: the same numbers, much faster
    "torch": "mgrad_cli.backends.torch:TorchBackend",      # PyTorch: more cores, a GPU (an optional extra)
}
FAST = "tensor"       # the engine for many predictions at once (plot's 200x200 grid), whichever trained
REFERENCE = "scalar"  # a node per number: gradcheck finds its kinks exactly, and checks the others against it
DATA_PARALLEL = "torch"  # the one engine with a data-parallel wrapper (torch_ddp.py): train --nproc, torchrun


def names():
    """The registered engines' names: the config's `engine` choices."""
    return tuple(BACKENDS)


def backend_class(name):
    """The class registered as `name` (imported on first use)."""
    if name not in BACKENDS:
        raise ConfigError(f"engine: expected one of {', '.join(BACKENDS)}, got '{name}'")
    entry = BACKENDS[name]
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = getattr(importlib.import_module(module), attr)
    return entry


def data_parallel(name):
    """Whether the engine `name` trains data-parallel (`train --nproc`, torchrun)."""
    return name == DATA_PARALLEL


def groups():
    """The sets of engines `gradcheck --engine` takes besides a single name: both (the
    reference engine and the fast one), all (every engine). -> {name: engines}"""
    return {"both": (REFERENCE, FAST), "all": names()}


def make_backend(config, nin, engine=None):
    """The backend of config['engine'] (or `engine`) for inputs of nin features."""
    return backend_class(engine or config["engine"]).from_config(config, nin)


def runnable_backend(config, nin):
    """The backend of config['engine'], or the fast one (the same numbers, in float64 on
    the CPU) when that one cannot run here: its extra is not installed (PyTorch) or its
    device is not here (a GPU). Any engine's model runs on any other."""
    try:
        return make_backend(config, nin)
    except UserInputError:
        return make_backend(config, nin, FAST)
