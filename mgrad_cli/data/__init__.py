"""Data sets: the built-in generators, CSV reading, standardization and the train/test
split (datasets.py), and the configs and CSV files shipped in this folder (shipped.py,
configs/, datasets/)."""
