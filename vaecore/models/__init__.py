"""Model families, one file each."""

from vaecore.models.autoencoder import Autoencoder, linear_autoencoder, mlp_autoencoder
from vaecore.models.vae import VAE, FreeBitsVAE, reparameterize

__all__ = ["Autoencoder", "FreeBitsVAE", "VAE", "linear_autoencoder", "mlp_autoencoder", "reparameterize"]
