"""The brightness survey against Pillow itself, for images of every mode
written to files by the test. Every expectation comes from Pillow or from
arithmetic written out here, never from the code under test."""

from __future__ import annotations

import numpy as np
import pytest
from brightness import analyse
from brightness.greyscale import statistics
from perimage import decode
from PIL import Image, ImageStat

RNG = np.random.default_rng(20261121)


def rgb_array(h=37, w=53):
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def pillow_numbers(grey: Image.Image) -> dict:
    s = ImageStat.Stat(grey)
    low, high = s.extrema[0]
    return {
        "min": low,
        "max": high,
        "mean": s.mean[0],
        "median": s.median[0],
        "std": s.stddev[0],
    }


def analysed(path) -> tuple[Image.Image, dict]:
    """What a block does with the file: read, open, analyse."""
    data, _, _ = decode.read_file(str(path))
    result = analyse(decode.open_image(data, fast=True))
    return result.pop("greyscale"), result


# Modes whose greyscale is exactly Pillow's convert("L") of the decoded file.
EIGHT_BIT_CASES = {
    "RGB JPEG": lambda: (Image.fromarray(rgb_array()), "JPEG", ".jpg"),
    "RGB PNG": lambda: (Image.fromarray(rgb_array()), "PNG", ".png"),
    "L PNG": lambda: (Image.fromarray(rgb_array()[..., 0]), "PNG", ".png"),
    "L JPEG": lambda: (Image.fromarray(rgb_array()[..., 0]), "JPEG", ".jpg"),
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
    "YCbCr TIFF": lambda: (
        Image.fromarray(rgb_array()).convert("YCbCr"),
        "TIFF",
        ".tif",
    ),
}


@pytest.mark.parametrize("case", EIGHT_BIT_CASES)
def test_eight_bit_modes_match_pillow_convert(case, tmp_path):
    im, fmt, ext = EIGHT_BIT_CASES[case]()
    path = tmp_path / f"img{ext}"
    im.save(path, fmt)
    with Image.open(path) as original:
        mode, size = original.mode, original.size
        expected = original.convert("L")
    grey, result = analysed(path)
    assert grey.mode == "L"
    assert grey.tobytes() == expected.tobytes()
    assert {k: result[k] for k in ("min", "max", "mean", "median", "std")} == (
        pillow_numbers(expected)
    )
    assert (result["width"], result["height"], result["mode"]) == (*size, mode)
    assert result["frames"] == 1


def test_alpha_is_ignored(tmp_path):
    opaque = Image.fromarray(rgb_array()).convert("RGBA")
    clear = opaque.copy()
    clear.putalpha(0)
    opaque.save(tmp_path / "opaque.png")
    clear.save(tmp_path / "clear.png")
    grey_opaque, _ = analysed(tmp_path / "opaque.png")
    grey_clear, _ = analysed(tmp_path / "clear.png")
    assert grey_clear.tobytes() == grey_opaque.tobytes()


@pytest.mark.parametrize("fmt,ext", [("PNG", ".png"), ("TIFF", ".tif")])
def test_sixteen_bit_is_scaled_to_eight_bits(fmt, ext, tmp_path):
    values = RNG.integers(0, 65536, (31, 17)).astype(np.uint16)
    values[0, :6] = [0, 65535, 128, 129, 385, 386]  # the ends, and roundings
    Image.fromarray(values).save(tmp_path / f"img{ext}", fmt)
    grey, result = analysed(tmp_path / f"img{ext}")
    # v / 257, rounded to the nearest integer: 65535 / 257 is exactly 255
    expected = np.round(values / 257.0).astype(np.uint8)
    assert list(expected[0, :6]) == [0, 255, 0, 1, 1, 2]
    assert np.array_equal(np.asarray(grey), expected)
    assert result["mode"].startswith("I;16")
    numbers = {k: result[k] for k in ("min", "max", "mean", "median", "std")}
    assert numbers == pillow_numbers(Image.fromarray(expected))


def test_thirty_two_bit_integers_are_clipped_then_scaled(tmp_path):
    values = np.array([[-5, 0, 257, 65535, 70000]], dtype=np.int32)
    Image.fromarray(values, "I").save(tmp_path / "img.tif", "TIFF")
    grey, result = analysed(tmp_path / "img.tif")
    assert list(np.asarray(grey)[0]) == [0, 0, 1, 255, 255]
    assert result["mode"] == "I"


def test_float_is_taken_as_zero_to_one(tmp_path):
    values = np.array([[-0.5, 0.0, 0.5, 1.0, 7.0, np.nan]], dtype=np.float32)
    Image.fromarray(values, "F").save(tmp_path / "img.tif", "TIFF")
    grey, result = analysed(tmp_path / "img.tif")
    # 0.5 * 255 = 127.5 rounds half to even: 128
    assert list(np.asarray(grey)[0]) == [0, 0, 128, 255, 255, 0]
    assert result["mode"] == "F"


def test_lab_gives_its_lightness_channel(tmp_path):
    lab = Image.fromarray(rgb_array(), "RGB").convert("LAB")
    lab.save(tmp_path / "lab.tif", "TIFF")
    with Image.open(tmp_path / "lab.tif") as original:
        assert original.mode == "LAB"
        lightness = original.getchannel("L")
    grey, result = analysed(tmp_path / "lab.tif")
    assert grey.tobytes() == lightness.tobytes()
    assert result["mode"] == "LAB"


def test_first_frame_of_a_multi_page_tiff(tmp_path):
    frames = [Image.fromarray(rgb_array()) for _ in range(3)]
    frames[0].save(tmp_path / "stack.tif", save_all=True, append_images=frames[1:])
    grey, result = analysed(tmp_path / "stack.tif")
    assert result["frames"] == 3
    assert grey.tobytes() == frames[0].convert("L").tobytes()


def test_statistics_equal_imagestat_on_many_images():
    for k in range(300):
        h, w = RNG.integers(1, 120, 2)
        spread = RNG.uniform(0.5, 90)
        pixels = np.clip(RNG.normal(RNG.uniform(0, 255), spread, (h, w)), 0, 255)
        grey = Image.fromarray(pixels.astype(np.uint8), "L")
        assert statistics(grey) == pillow_numbers(grey), k
