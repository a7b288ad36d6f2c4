"""Data sets: the table of them all, the Dataset, standardization and the train/test split
(datasets.py), the built-in generators (generators.py), CSV reading (csvfile.py), and the
configs and CSV files shipped in this folder (shipped.py, configs/, datasets/)."""
