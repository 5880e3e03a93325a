"""Measurements of trained models, one module per kind of question: images, PCA, codes,
likelihoods, samples (the judge) and modes."""

__all__: list[str] = []  # its modules are the API
