"""Opening image files: the JPEG shortcut gives Pillow's pixels, anything it
does not cover goes through Pillow, and bad files get a reason. PNGs written
by the engine read back identically."""

from __future__ import annotations

import io

import numpy as np
import pytest
from perimage import decode, png
from perimage.errors import Rejected
from PIL import Image

RNG = np.random.default_rng(3)


def photo(h: int, w: int, bands: int) -> Image.Image:
    """Smooth structure plus noise, like a photograph: JPEG's hard case for
    upsampling and rounding."""
    coarse = RNG.normal(128, 45, (h // 8 + 2, w // 8 + 2, bands)).clip(0, 255)
    base = Image.fromarray(coarse.astype(np.uint8).squeeze()).resize(
        (w, h), Image.BICUBIC
    )
    noisy = np.asarray(base, float) + RNG.normal(0, 12, np.asarray(base).shape)
    return Image.fromarray(noisy.clip(0, 255).astype(np.uint8))


JPEGS = [
    *(
        ((w, h), {"subsampling": sub, "progressive": prog, "quality": q})
        for (w, h) in [(64, 64), (1, 1), (17, 9), (333, 250)]
        for sub in (0, 1, 2)
        for prog in (False, True)
        for q in (75, 95)
    ),
    ((64, 64), {"quality": 90, "optimize": True}),
    ((64, 64), {"quality": 90, "restart_marker_blocks": 1}),
    ((64, 64), {"quality": 90, "keep_rgb": True}),
]


def pillow_open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.mark.parametrize("size,options", JPEGS)
@pytest.mark.parametrize("bands", [3, 1])
def test_jpeg_shortcut_gives_pillows_pixels(size, options, bands):
    out = io.BytesIO()
    photo(size[1], size[0], bands).save(out, "JPEG", **options)
    data = out.getvalue()
    expected = pillow_open(data)
    fast = decode.open_image(data, fast=True)
    assert fast.format is None  # it did take the shortcut
    assert (fast.mode, fast.size) == (expected.mode, expected.size)
    assert fast.tobytes() == expected.tobytes()


def jpeg(mode: str, **options) -> bytes:
    out = io.BytesIO()
    photo(40, 30, 3).convert(mode).save(out, "JPEG", **options)
    return out.getvalue()


def mpo() -> bytes:
    out = io.BytesIO()
    frames = [photo(20, 30, 3) for _ in range(2)]
    frames[0].save(out, "MPO", save_all=True, append_images=frames[1:])
    return out.getvalue()


@pytest.mark.parametrize(
    "name,data",
    [("CMYK", jpeg("CMYK")), ("MPO", mpo())],
)
def test_what_the_shortcut_does_not_cover_goes_through_pillow(name, data):
    expected = pillow_open(data)
    im = decode.open_image(data, fast=True)
    assert im.format == expected.format  # opened by Pillow
    assert im.mode == expected.mode
    assert im.tobytes() == expected.tobytes()
    assert getattr(im, "n_frames", 1) == getattr(expected, "n_frames", 1)


def test_without_the_shortcut_an_analysis_gets_pillows_own_image():
    im = decode.open_image(jpeg("RGB"), fast=False)
    assert im.format == "JPEG"


def test_a_damaged_jpeg_gets_pillows_verdict():
    data = jpeg("RGB", quality=95)
    with pytest.raises(Rejected, match="damaged or truncated image"):
        decode.open_image(data[: len(data) // 2], fast=True)


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "not an image Pillow can read"),
        (b"plain text, not pixels\n", "not an image Pillow can read"),
    ],
)
def test_files_that_are_not_images(content, reason):
    with pytest.raises(Rejected, match=reason):
        decode.open_image(content)


def test_too_many_pixels_is_rejected_before_decoding():
    out = io.BytesIO()
    photo(64, 64, 3).save(out, "JPEG")
    with pytest.raises(
        Rejected, match=r"64x64 = 4096 pixels, more than max_pixels \(4000\)"
    ):
        decode.open_image(out.getvalue(), max_pixels=4000)


def test_reading_names_the_problem(tmp_path):
    with pytest.raises(Rejected, match="file not found"):
        decode.read_file(str(tmp_path / "gone.jpg"))
    with pytest.raises(Rejected, match="is a folder"):
        decode.read_file(str(tmp_path))


def test_a_file_is_read_with_its_size_and_time(tmp_path):
    path = tmp_path / "x.jpg"
    path.write_bytes(b"12345")
    data, size, mtime = decode.read_file(str(path))
    assert (data, size, mtime) == (b"12345", 5, path.stat().st_mtime_ns)


@pytest.mark.parametrize("shape", [(1, 1), (64, 64), (3, 500), (257, 2)])
def test_greyscale_png_round_trips_pixels(shape):
    grey = Image.fromarray(RNG.integers(0, 256, shape, dtype=np.uint8), "L")
    back = Image.open(io.BytesIO(png.encode(grey)))
    assert back.mode == "L"
    assert back.size == grey.size
    assert back.tobytes() == grey.tobytes()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "1", "I;16"])
def test_other_modes_go_through_pillows_encoder(mode):
    im = photo(20, 30, 3).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        im = Image.fromarray(RNG.integers(0, 65536, (20, 30)).astype(np.uint16))
    back = Image.open(io.BytesIO(png.encode(im)))
    assert back.tobytes() == im.tobytes()


def test_smooth_greyscale_compresses():
    """The Up filter: a smooth image takes far fewer bytes than raw pixels."""
    grey = Image.linear_gradient("L").resize((512, 512))
    assert len(png.encode(grey)) < 512 * 512 / 20
