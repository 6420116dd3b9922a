"""The brightness survey, with a gate the tests control.

When the folder ``gate/`` exists in the working directory, the first block
job to reach its 30th image writes its process id to ``gate/paused`` and
waits until ``gate/open`` exists: the test then knows that this job is
running, part way through a block, and can stop it there.
"""

import os
import time

from brightness import analyse as brightness
from perimage.analysis import describe

GATE = "gate"
calls = 0


@describe(pixels_only=True, strict=True)
def analyse(image):
    global calls
    calls += 1
    if calls == 30 and os.path.isdir(GATE):
        try:
            fd = os.open(f"{GATE}/paused", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass  # another job is the one that waits
        else:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            end = time.monotonic() + 300
            while not os.path.exists(f"{GATE}/open") and time.monotonic() < end:
                time.sleep(0.01)
    return brightness(image)
