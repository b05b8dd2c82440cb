postmortem inv_0000000000000000 --format pdf
