"""The per-image engine: find images, plan blocks, run an analysis on every
image of a block, reuse what is current, and collect the results.

The engine knows nothing of any particular analysis. An analysis is a function
that takes an opened Pillow image and returns its columns (and images to
save); see ``perimage.analysis``. Snakemake's side lives in ``perimage.state``.
"""
