"""mgrad: learn and experiment with neural networks from first principles.

    from mgrad_cli import Value, MLP, Tensor

The names are loaded on first use (PEP 562), so `import mgrad_cli`, and with it the
`mgrad` command's start-up, loads neither numpy nor rich before the command line has set
its threads and signal handlers.
"""

__version__ = "0.1.0"

_LAZY = {  # public name -> the module that defines it
    "Value": "mgrad_cli.autograd.value",
    "Tensor": "mgrad_cli.autograd.tensor",
    "MLP": "mgrad_cli.nn.mlp",
}
__all__ = ["MLP", "Tensor", "Value", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mgrad_cli' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
