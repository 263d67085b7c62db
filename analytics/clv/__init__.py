"""Customer lifetime value: the BG/NBD and Gamma-Gamma models, the member summary, scoring and storage."""
