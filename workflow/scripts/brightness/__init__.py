"""The brightness survey, the workflow's built-in analysis: every image's
greyscale version and its brightness statistics, identical to Pillow's.

Its function is ``brightness.analyse`` (config ``analysis: brightness``); its
plots and contact sheets are the report's brightness sections.
"""

from .survey import analyse

__all__ = ["analyse"]
