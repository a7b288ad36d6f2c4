"""Using a trained model: load it from a checkpoint, predict and evaluate (evaluate.py),
export it as ONNX or PyTorch (export.py), draw its run (plot.py) and replay it in a web
page (report.py)."""
