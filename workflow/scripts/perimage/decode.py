"""Read an image file and open it as Pillow does.

Every file is read into memory with one ``read`` (Pillow, given a path, reads
a JPEG's header in many small pieces). Baseline and progressive JPEGs with one
or three colour components are then decoded by libjpeg-turbo through
simplejpeg, with the settings Pillow uses (accurate DCT, smooth upsampling):
the same library and the same pixels, which the tests check image by image,
at half the cost. Anything else, and any file simplejpeg objects to, goes
through Pillow itself, which also gives the reason when a file is not usable.
"""

from __future__ import annotations

import errno
import io
import os
import struct

from PIL import Image

from .errors import Rejected

# Pillow's own refusal threshold (twice Image.MAX_IMAGE_PIXELS). The engine
# applies its max_pixels instead, so that the limit is a setting and the
# reason clear.
DEFAULT_MAX_PIXELS = 178_956_970
Image.MAX_IMAGE_PIXELS = None

_FILE_ERRORS = {
    errno.ENOENT: "file not found (deleted, or a broken link)",
    errno.EACCES: "cannot be read: permission denied",
    errno.EPERM: "cannot be read: permission denied",
    errno.ELOOP: "symbolic link loop",
    errno.EISDIR: "is a folder, not a file",
}
# What Pillow's decoders raise on malformed data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)
JPEG_START = b"\xff\xd8\xff"
MULTI_PICTURE = b"MPF\x00"  # an MPO file: Pillow opens several frames

try:
    import simplejpeg
except ImportError:  # pragma: no cover - a pinned dependency; Pillow still works
    simplejpeg = None


def read_file(path: str) -> tuple[bytes, int, int]:
    """The file's bytes, size and modification time (of what was read)."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            data = os.read(fd, st.st_size + 1)  # one read, as a rule
            if len(data) > st.st_size:  # it grew: read the rest
                chunks = [data]
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
                data = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as e:
        raise Rejected(
            _FILE_ERRORS.get(e.errno, f"cannot be read: {e.strerror}")
        ) from None
    return data, st.st_size, st.st_mtime_ns


def too_large(width: int, height: int, max_pixels: int) -> str | None:
    if width * height > max_pixels:
        return (
            f"{width}x{height} = {width * height} pixels,"
            f" more than max_pixels ({max_pixels})"
        )
    return None


def open_image(
    data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, *, fast: bool = True
) -> Image.Image:
    """The image's first frame, loaded. ``fast`` allows the JPEG shortcut,
    whose image carries the pixels, mode and size but not the file's
    metadata (``format``, ``info``, EXIF)."""
    if fast and simplejpeg is not None and data.startswith(JPEG_START):
        im = _open_jpeg(data, max_pixels)
        if im is not None:
            return im
    try:
        im = Image.open(io.BytesIO(data))
        reason = too_large(im.width, im.height, max_pixels)
        if reason:
            raise Rejected(reason)
        im.load()
    except Rejected:
        raise
    except Image.UnidentifiedImageError:
        raise Rejected("not an image Pillow can read") from None
    except _DECODE_ERRORS as e:
        raise Rejected(f"damaged or truncated image: {e}") from None
    if im.width == 0 or im.height == 0:
        raise Rejected("image has no pixels")
    return im


def _open_jpeg(data: bytes, max_pixels: int) -> Image.Image | None:
    """The image via simplejpeg, or None for Pillow to open it."""
    if data.find(MULTI_PICTURE, 0, 65536) != -1:
        return None
    try:
        height, width, colourspace, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError:
        return None
    reason = too_large(width, height, max_pixels)
    if reason:
        raise Rejected(reason)
    if colourspace in ("YCbCr", "RGB"):
        mode, target = "RGB", "RGB"
    elif colourspace == "Gray":
        mode, target = "L", "GRAY"
    else:  # CMYK and YCCK: Pillow's own conversion
        return None
    try:
        pixels = simplejpeg.decode_jpeg(data, colorspace=target)
    except ValueError:  # damaged, or only a warning to libjpeg: Pillow decides
        return None
    return Image.frombuffer(mode, (width, height), pixels, "raw", mode, 0, 1)
