"""vaecore: the models, data, training loop and figures behind the book on latent-variable models.

Modules: :mod:`~vaecore.settings` (quick mode, data directory, chapter budgets),
:mod:`~vaecore.data` (datasets), :mod:`~vaecore.losses`, :mod:`~vaecore.models`,
:mod:`~vaecore.train` (the training loop), :mod:`~vaecore.evaluate`, :mod:`~vaecore.plots`,
:mod:`~vaecore.explore` (the latent explorer, live and static).
"""

__version__ = "0.1.0"
