"""Greyscale versions and brightness statistics for folder trees of images.

The workflow's ``script:`` adapters are thin; everything they do lives here so
it can be imported and unit-tested without Snakemake.
"""
