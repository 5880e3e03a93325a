"""The data: datasets as in-memory tensors (:mod:`~vaecore.data.datasets`), where their files
come from (:mod:`~vaecore.data.sources`), batches (:mod:`~vaecore.data.batches`), and the 2-D
mixtures of the GAN chapter (:mod:`~vaecore.data.mixtures`)."""

__all__: list[str] = []  # its modules are the API
