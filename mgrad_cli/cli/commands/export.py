"""`mgrad export`: a trained model as ONNX or PyTorch, for use outside mgrad."""

import click

from ..console import CONTEXT_SETTINGS, out_console, say, translate_errors
from ...files import shown_path


@click.command("export", context_settings=CONTEXT_SETTINGS)
@click.argument("model_path", metavar="MODEL.json")
@click.option("-o", "--output", "output", metavar="PATH", required=True,
              help="Where to write: .onnx (needs the onnx extra) or .pt (needs PyTorch).")
@translate_errors
def export_command(model_path, output):
    """Export a trained model: the standardization, the layers and the output head
    (sigmoid for bce, softmax for cross_entropy, the scores otherwise), in float64, so
    it predicts what `mgrad predict` does.

    .onnx: an ONNX model (Gemm and activation nodes) with the feature and class names
    in its metadata; it needs only the onnx package: pip install onnx.
    .pt: torch.save of a dict whose "state_dict" loads into the torch.nn.Sequential
    printed here, with the standardization and names beside it: pip install torch.

    \b
    Examples:
      mgrad export iris.json -o iris.onnx
      mgrad export iris.json -o iris.pt

    Exit codes: 0 done, 2 bad input (not a checkpoint, a suffix other than .onnx or .pt,
    a path that cannot be written, or the extra for the format is not installed).
    """
    from ...models import evaluate as ev
    from ...models import export as ex

    ex.check_path(output)  # before reading the model
    model = ev.load_model(model_path)
    fmt = ex.export(model, output)
    out = out_console()
    what = f"{model.title} to {shown_path(output)}"
    if fmt == "onnx":
        say(out, f"Exported {what} (ONNX opset {ex.ONNX_OPSET}, float64).")
        for line in ex.signature(model):
            say(out, line)
        return
    say(out, f"Exported {what} (torch.save of a dict: {', '.join(ex.PT_KEYS)}).")
    out.print("To use it:", markup=False)
    out.print(ex.sequential_code(model, output), markup=False, soft_wrap=True, highlight=False)
