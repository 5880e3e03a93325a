"""Model families, one file each."""

from vaecore.models.autoencoder import Autoencoder, linear_autoencoder, mlp_autoencoder

__all__ = ["Autoencoder", "linear_autoencoder", "mlp_autoencoder"]
