"""mgrad: learn and experiment with neural networks from first principles."""

__version__ = "0.1.0"
