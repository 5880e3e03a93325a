"""The book's own helpers, apart from the maths: figures, pen-stroke pictures, the latent
explorer and the benchmarks' result files."""

__all__: list[str] = []  # its modules are the API
