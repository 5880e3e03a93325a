"""The multi-run recipes that a chapter and a benchmark share, so that the benchmark repeats the
chapter's runs exactly (with more seeds or more time)."""

__all__: list[str] = []  # its modules are the API
