"""How well the pipeline's sentiment and triage agree with labelled tickets."""
