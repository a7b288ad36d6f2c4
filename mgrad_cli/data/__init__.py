"""Data sets: the table of them all, the Dataset, standardization and the train/test split
(datasets.py), the built-in generators (generators.py), CSV reading (csvfile.py, and
pyarrow's reader for big files: csvarrow.py), the rule for names that come from data
(names.py), the check for data far from unit scale (scaling.py), and the configs and CSV
files shipped in this folder (shipped.py, configs/, datasets/)."""
