"""A training run: the config's defaults and schema (config.py, read by strict_yaml.py),
the trainer and its epoch loop (trainer.py), checkpoints (checkpoint.py), early stopping
(stopping.py), the metrics reported beside the loss (metrics.py) and the words of a run
that diverged (divergence.py)."""
