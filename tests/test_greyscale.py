"""Greyscale and statistics against Pillow, for every image mode, from files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from imagestats.greyscale import ImageError, load, statistics, to_greyscale
from imagestats.pngio import encode_grey_png
from PIL import Image, ImageStat

RNG = np.random.default_rng(20261121)


def rgb_array(h=37, w=53):
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def pillow_numbers(grey: Image.Image) -> tuple:
    s = ImageStat.Stat(grey)
    return (*s.extrema[0], s.mean[0], s.median[0], s.stddev[0])


def our_numbers(stats) -> tuple:
    return (stats.min, stats.max, stats.mean, stats.median, stats.std)


def saved(im: Image.Image, path, fmt: str, **kw):
    im.save(path, fmt, **kw)
    return path


# Modes whose greyscale is exactly Pillow's convert("L") of the decoded file.
EIGHT_BIT_CASES = {
    "RGB JPEG": lambda: (Image.fromarray(rgb_array()), "JPEG", ".jpg"),
    "RGB PNG": lambda: (Image.fromarray(rgb_array()), "PNG", ".png"),
    "L PNG": lambda: (Image.fromarray(rgb_array()[..., 0]), "PNG", ".png"),
    "RGBA PNG": lambda: (Image.fromarray(rgb_array()).convert("RGBA"), "PNG", ".png"),
    "LA PNG": lambda: (Image.fromarray(rgb_array()).convert("LA"), "PNG", ".png"),
    "P PNG": lambda: (
        Image.fromarray(rgb_array()).convert("P", palette=Image.Palette.ADAPTIVE),
        "PNG",
        ".png",
    ),
    "CMYK JPEG": lambda: (Image.fromarray(rgb_array()).convert("CMYK"), "JPEG", ".jpg"),
    "1-bit PNG": lambda: (Image.fromarray(rgb_array()).convert("1"), "PNG", ".png"),
    "RGB TIFF": lambda: (Image.fromarray(rgb_array()), "TIFF", ".tif"),
}


@pytest.mark.parametrize("case", EIGHT_BIT_CASES)
def test_eight_bit_modes_match_pillow_convert(case, tmp_path):
    im, fmt, ext = EIGHT_BIT_CASES[case]()
    path = saved(im, tmp_path / f"img{ext}", fmt)
    with Image.open(path) as original:
        mode = original.mode
        expected = original.convert("L")
    grey, stats = load(str(path))
    assert grey.mode == "L"
    assert grey.tobytes() == expected.tobytes()
    assert our_numbers(stats) == pillow_numbers(expected)
    assert (stats.width, stats.height, stats.mode) == (im.width, im.height, mode)


def test_rgba_alpha_is_ignored():
    a = rgb_array()
    opaque = Image.fromarray(a).convert("RGBA")
    clear = opaque.copy()
    clear.putalpha(0)
    assert to_greyscale(clear).tobytes() == to_greyscale(opaque).tobytes()


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("TIFF", ".tif")])
def test_sixteen_bit_is_scaled_to_eight_bits(fmt, ext, tmp_path):
    values = RNG.integers(0, 65536, (31, 17)).astype(np.uint16)
    values[0, :3] = [0, 65535, 128]  # the ends of the range, and a rounding case
    path = saved(Image.fromarray(values), tmp_path / f"img{ext}", fmt)
    grey, stats = load(str(path))
    expected = ((values.astype(np.int64) + 128) // 257).astype(np.uint8)
    assert np.array_equal(np.asarray(grey), expected)
    assert list(np.asarray(grey)[0, :3]) == [0, 255, 0]
    assert stats.mode.startswith("I;16")
    assert our_numbers(stats) == pillow_numbers(Image.fromarray(expected))


def test_thirty_two_bit_integers_are_clipped_then_scaled(tmp_path):
    values = np.array([[-5, 0, 257, 65535, 70000]], dtype=np.int32)
    path = saved(Image.fromarray(values, "I"), tmp_path / "img.tif", "TIFF")
    grey, stats = load(str(path))
    assert list(np.asarray(grey)[0]) == [0, 0, 1, 255, 255]
    assert stats.mode == "I"


def test_float_is_taken_as_zero_to_one(tmp_path):
    values = np.array([[-0.5, 0.0, 0.5, 1.0, 7.0, np.nan]], dtype=np.float32)
    path = saved(Image.fromarray(values, "F"), tmp_path / "img.tif", "TIFF")
    grey, stats = load(str(path))
    assert list(np.asarray(grey)[0]) == [0, 0, 128, 255, 255, 0]
    assert stats.mode == "F"


def test_first_frame_of_a_multi_page_tiff(tmp_path):
    frames = [Image.fromarray(rgb_array()) for _ in range(3)]
    path = tmp_path / "stack.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    grey, stats = load(str(path))
    assert stats.frames == 3
    assert grey.tobytes() == frames[0].convert("L").tobytes()


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "not an image Pillow can read"),
        (b"plain text, not pixels\n", "not an image Pillow can read"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(content, reason, tmp_path):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=reason):
        load(str(path))


def test_truncated_jpeg_is_rejected(tmp_path):
    good = tmp_path / "good.jpg"
    Image.fromarray(rgb_array(64, 64)).save(good, quality=95)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(good.read_bytes()[:400])
    with pytest.raises(ImageError, match="damaged or truncated"):
        load(str(bad))


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(ImageError, match="file not found"):
        load(str(tmp_path / "gone.jpg"))


def test_statistics_equal_imagestat_on_many_images():
    for k in range(200):
        h, w = RNG.integers(1, 120, 2)
        spread = RNG.uniform(0.5, 90)
        pixels = np.clip(RNG.normal(RNG.uniform(0, 255), spread, (h, w)), 0, 255)
        grey = Image.fromarray(pixels.astype(np.uint8), "L")
        assert our_numbers(statistics(grey, "L")) == pillow_numbers(grey), k


def test_png_encoder_round_trips_pixels():
    for h, w in [(1, 1), (64, 64), (3, 500), (257, 2)]:
        grey = Image.fromarray(RNG.integers(0, 256, (h, w), dtype=np.uint8), "L")
        back = Image.open(io.BytesIO(encode_grey_png(grey)))
        assert back.mode == "L"
        assert back.size == (w, h)
        assert back.tobytes() == grey.tobytes()
