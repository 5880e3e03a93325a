"""vaecore: the models, objectives, training loops, data, metrics and figures behind the book on
latent-variable generative models.

Every role has one home; for each chapter, its model, loss, training loop, data, metric and
figure are found in one guess:

====================  ===============================================================
``models/``           the networks, one file per family: ``autoencoder``, ``vae`` (and the
                      classic ``mistakes``), ``gan`` (the two players), ``vrnn``,
                      ``discrete`` (categorical data), ``attention`` (self-attention for
                      the convolutional VAE), ``vaegan``, ``classifier`` (the sample
                      judge's network), and ``parts`` (the MLP, the parameter count and
                      the input checks they share)
``losses``            every objective: log-densities, KL divergences, ELBO and IWAE bounds,
                      the GAN's losses, the gradient estimators
``train``             the training loop of every model with a ``loss`` (``fit``)
``train_gan``         the GAN's alternating training loop
``loop_parts``        what both loops are built from: seeding, device choice, the schedule,
                      the checks that stop a run gone wrong, the progress bar, evaluation
                      mode while measuring (``evaluating``)
``train_mistakes``    the classic VAE mistake that is a way of training (``fit_in_stages``)
``data/``             ``datasets`` (images and strokes as tensors), ``sources`` (mirrors,
                      checksums, downloads), ``batches``, ``mixtures`` (the 2-D toy data)
``metrics/``          ``images`` (reconstruction error, greyness, sharpness), ``pca``,
                      ``latents`` (active units, Mahalanobis distance), ``likelihood``
                      (importance-weighted NLL, sequence bounds), ``judge`` (the sample judge:
                      Fréchet distance, precision and recall), ``modes`` (mode coverage),
                      ``discrete`` (total variation), ``gradients`` (each layer's gradient
                      norm), ``batched`` (running a model over a data set)
``experiments/``      the multi-run recipes chapters and benchmarks share (recipes only: their
                      tables and verdicts are in ``book/findings``): ``side_by_side``,
                      ``gan_vs_vae``, ``toy_gans``, ``handwriting``, ``vae_drawbacks`` (the
                      VAE's cost, generalisation, active units, foreign inputs and copying),
                      the questions chapter's ``discrete``, ``attention``, ``gradients`` and
                      ``vaegan``; what they share, ``image_models`` (a trained model's
                      record, its trainers, the scores of its samples, its rows) and
                      ``parallel`` (runs in processes); a recipe never imports another
``checkpoint``        saving and loading trained models safely
``files``             writing any file atomically: all of it, or the old file untouched
``checks``            refusing a wrong argument at the door, naming it (``rows``: a set
                      too small to measure)
``settings``          the environment: quick mode, data and cache folders, device, progress,
                      where the book's build collects the explorers' models
``runtime``           how PyTorch uses the processors: as many threads as the CPUs this
                      process may use, sleeping when idle (chosen when vaecore is imported)
``book/``             the book's own helpers: ``verdicts`` (the one rule that decides every
                      "A against B"), ``messages`` (the tables and sentences that say
                      results, in words another edition can translate), ``findings`` (each
                      chapter's tables and verdicts, made of the two), ``plots``,
                      ``strokes`` (pen strokes as pictures),
                      ``explore`` (the latent explorer: live in Jupyter, static in the
                      book, its decoder exported to run in the page), ``source`` (package
                      code shown on the page), ``results`` (the benchmarks' result files,
                      shipped with the package), ``published`` (the papers' numbers),
                      ``spread`` (mean ± standard deviation or error), ``cost`` (a
                      chapter's run time and memory), ``exercises`` (checking a reader's
                      code against the package's)
====================  ===============================================================

The layers import downwards only (``tests/test_layers.py`` checks it):
``runtime``, ``settings``, ``files`` and ``checks`` know nothing of the rest; ``data``,
``losses``, ``checkpoint`` and ``loop_parts`` know nothing of models; ``models`` use only those
(a model with a training step of its own, the VAE-GAN, uses ``loop_parts``' checks); the training
loops use models; ``metrics`` use the loops (the sample judge trains its classifier);
``experiments`` use all of them; ``book`` draws what the others compute."""

__all__: list[str] = []  # its modules are the API

__version__ = "0.2.0"

from vaecore import runtime as _runtime  # noqa: E402 - the version first, for the packaging

_runtime.configure()  # before anything else loads torch: its threads, for this machine
