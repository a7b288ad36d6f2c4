"""A training run: the config's defaults and schema (config.py, read by strict_yaml.py),
the trainer and its epoch loop (trainer.py), checkpoints (checkpoint.py), early stopping
(stopping.py) and the metrics reported beside the loss (metrics.py)."""
