"""A training run: the config's defaults and schema (config.py, read by strict_yaml.py),
the trainer and its epoch loop (trainer.py), checkpoints (checkpoint.py), early stopping
(stopping.py), the metrics reported beside the loss (metrics.py) and the words of a run
that diverged (divergence.py). Around them: every checkpoint field, version by version
(checkpoint_fields.py), --set and --grid overrides (overrides.py), each layer's
statistics (layerstats.py) and the doctor that reads them (doctor.py), the weight
snapshots of the replay page (snapshots.py), and data-parallel training: the process
group (distributed.py) and the launcher of `train --nproc` (launch.py)."""
