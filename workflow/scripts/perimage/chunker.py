"""The plan job's second process: it hashes the image paths while the job
lists the input folder, and then answers with the blocks.

Hashing every path costs half as much as listing the folder (0.15 s against
0.3 s at 270,000 images) and the other core is idle while the plan job runs;
the plan job runs alone, so every second of it adds to the run's serial time.
The listing sends each folder's paths as it finds them. The blocks are the
ones ``chunking.assign`` makes in one process.

Protocol, on the process's standard input: per batch of paths, their count
and byte length (two little-endian 64-bit integers), then the paths encoded
(``layout.encode``) and separated by NUL bytes; a count of 0 ends the input.
It then writes the blocks as JSON, ``[[start, stop, name], ...]``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import struct
import subprocess
import sys
import threading

from . import chunking
from .layout import encode

HEADER = struct.Struct("<QQ")


class Chunker:
    """Assign paths to blocks as ``chunking.assign`` does: ``add`` each
    batch of paths in path order, then ``assign`` all of them."""

    def __init__(self, block_size: int):
        chunking.check_block_size(block_size)
        engine = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        inherited = os.environ.get("PYTHONPATH")
        path = os.pathsep.join([engine, inherited] if inherited else [engine])
        self._process = subprocess.Popen(
            [sys.executable, "-m", "perimage.chunker", str(block_size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONPATH=path),
        )
        self._count = 0
        # written by a thread: the listing goes on while the pipe is full
        self._batches = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._writer.start()

    def add(self, paths: list[str]) -> None:
        if paths:
            self._batches.put(paths)
            self._count += len(paths)

    def _write(self) -> None:
        stdin = self._process.stdin
        try:
            while (paths := self._batches.get()) is not None:
                data = encode("\0".join(paths))
                stdin.write(HEADER.pack(len(paths), len(data)))
                stdin.write(data)
            stdin.write(HEADER.pack(0, 0))
            stdin.close()
        except BrokenPipeError:  # the process ended early: assign says why
            with contextlib.suppress(BrokenPipeError):
                stdin.close()

    def assign(self, paths: list[str]) -> dict[str, list[str]]:
        """``paths``: all those added, in the order they were added."""
        if len(paths) != self._count:
            raise ValueError(f"{len(paths)} paths to assign, {self._count} hashed")
        self._batches.put(None)
        self._writer.join()
        out = self._process.stdout.read()
        if self._process.wait():
            self._failed()
        return {name: paths[a:b] for a, b, name in json.loads(out)}

    def _failed(self):
        err = self._process.stderr.read()
        raise RuntimeError(
            f"hashing the image paths failed:\n{err.decode(errors='replace')}"
        )

    def __enter__(self) -> Chunker:
        return self

    def __exit__(self, *exc) -> None:
        if self._process.poll() is None:  # the listing failed: not needed
            self._process.kill()
            self._process.wait()
        self._batches.put(None)
        self._writer.join()
        for pipe in (self._process.stdin, self._process.stdout, self._process.stderr):
            pipe.close()


def serve(block_size: int, stdin, stdout) -> None:
    import numpy  # noqa: F401 - for the blocks at the end: imported while waiting

    hashed = []
    while True:
        count, size = HEADER.unpack(stdin.read(HEADER.size))
        if not count:
            break
        paths = stdin.read(size).split(b"\0")
        if len(paths) != count:
            raise ValueError(f"expected {count} paths, read {len(paths)}")
        hashed.append(chunking.digests(paths))
    stdout.write(json.dumps(chunking.boundaries(b"".join(hashed), block_size)))


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.stdin.buffer, sys.stdout)
