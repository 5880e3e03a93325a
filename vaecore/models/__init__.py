"""The networks, one file per model family; import each from its own module, e.g.
``from vaecore.models.vae import VAE``."""

__all__: list[str] = []  # its modules are the API
