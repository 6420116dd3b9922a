"""The engine's errors. ``PerImageError`` and its kinds end a job with their
message, one line naming the file and the reason, without a traceback (see
``joblog.job_log``); ``Rejected`` is an image's outcome, not a job's error."""


class PerImageError(Exception):
    """A problem for people to fix; the message says what and why."""


class InputError(PerImageError):
    """The input folder cannot be used; the message says why."""


class BlockError(PerImageError):
    """The job stops: a problem that is not the image's (an output folder that
    cannot be written, a bug in an analysis), or a rejection with
    ``on_error: fail``. The message names the file and the reason."""


class CollectError(PerImageError):
    """The block tables do not match the plan."""


class Rejected(Exception):
    """The image cannot be processed; the message is the reason, for people.

    The engine raises it for files that are not usable images; an analysis
    raises it to reject an image on its own grounds. Either way the image is
    listed in results/rejected.tsv (``on_error: skip``) or stops its block
    (``on_error: fail``)."""
