"""The two ways an image's processing can end badly."""


class Rejected(Exception):
    """The image cannot be processed; the message is the reason, for people.

    The engine raises it for files that are not usable images; an analysis
    raises it to reject an image on its own grounds. Either way the image is
    listed in results/rejected.tsv (``on_error: skip``) or stops its block
    (``on_error: fail``)."""


class BlockError(Exception):
    """The job stops: a problem that is not the image's (an output folder that
    cannot be written, a bug in an analysis), or a rejection with
    ``on_error: fail``. The message names the file and the reason."""
