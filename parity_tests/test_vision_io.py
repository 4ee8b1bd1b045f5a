"""minitorch.vision.io (read_image, decode_image, ImageReadMode) and vision.utils (make_grid, save_image).

torchvision's decoders live in its compiled extension, absent here, so ``io`` is checked
against Pillow's pixels and torchvision's documented contract: a uint8 (C, H, W) tensor whose
channels follow ``ImageReadMode``, and RuntimeError for bad input (its C++ checks). ``utils``
is compared with torchvision's Python ``make_grid`` / ``save_image`` directly.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from harness.torchvision_ref import import_torchvision
from PIL import Image

import minitorch as mt
from minitorch.vision import io as vio
from minitorch.vision import utils as vutils

tv = import_torchvision()
RNG = np.random.default_rng(0)
RGBA = RNG.integers(0, 256, (7, 10, 4), dtype=np.uint8)


@pytest.fixture
def files(tmp_path):
    """One file per stored layout: grey, grey+alpha, RGB (PNG and JPEG), RGBA, palette (with and without transparency)."""
    images = {"L.png": Image.fromarray(RGBA[..., 0]), "LA.png": Image.fromarray(RGBA[..., 0]).convert("LA"),
              "RGB.png": Image.fromarray(RGBA[..., :3]), "RGB.jpg": Image.fromarray(RGBA[..., :3]),
              "RGBA.png": Image.fromarray(RGBA), "P.png": Image.fromarray(RGBA[..., :3]).convert("P")}
    paths = {}
    for name, image in images.items():
        paths[name] = tmp_path / name
        image.save(paths[name])
    transparent = Image.fromarray(RGBA[..., :3]).convert("P")
    transparent.info["transparency"] = 0
    paths["P_transparent.png"] = tmp_path / "P_transparent.png"
    transparent.save(paths["P_transparent.png"], transparency=0)
    return paths


UNCHANGED_CHANNELS = {"L.png": 1, "LA.png": 2, "RGB.png": 3, "RGB.jpg": 3, "RGBA.png": 4, "P.png": 3,
                      "P_transparent.png": 4}
PIL_MODE = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def pillow_chw(path, mode):
    image = Image.open(path)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    array = np.asarray(image.convert(mode))
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def test_image_read_mode_is_torchvision_s():
    assert [(name, m.value) for name, m in vio.ImageReadMode.__members__.items()] == \
        [(name, m.value) for name, m in tv.io.ImageReadMode.__members__.items()]
    assert vio.ImageReadMode.RGBA is vio.ImageReadMode.RGB_ALPHA


def test_read_image_unchanged_and_every_mode(files):
    for name, path in files.items():
        img = vio.read_image(str(path))
        channels = UNCHANGED_CHANNELS[name]
        assert img.dtype is mt.uint8 and img.shape == (channels, 7, 10), name
        np.testing.assert_array_equal(img.numpy(), pillow_chw(path, PIL_MODE[channels]))
        for mode, c in ((vio.ImageReadMode.GRAY, 1), (vio.ImageReadMode.GRAY_ALPHA, 2), (vio.ImageReadMode.RGB, 3),
                        (vio.ImageReadMode.RGBA, 4), ("rgb", 3), ("GRAY", 1)):
            out = vio.read_image(path, mode)
            assert out.shape == (c, 7, 10) and out.dtype is mt.uint8
            np.testing.assert_array_equal(out.numpy(), pillow_chw(path, PIL_MODE[c]))


def test_decode_image_of_bytes_and_paths(files):
    path = files["RGBA.png"]
    data = vio.read_file(str(path))
    assert data.dtype is mt.uint8 and data.dim() == 1 and bytes(data.numpy()) == path.read_bytes()
    np.testing.assert_array_equal(vio.decode_image(data).numpy(), RGBA.transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.decode_image(str(path), mode="RGB").numpy(), RGBA[..., :3].transpose(2, 0, 1))
    np.testing.assert_array_equal(vio.decode_image(path).numpy(), vio.read_image(path).numpy())


def test_exif_orientation(tmp_path):
    image = Image.fromarray(RGBA[..., :3])
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image.save(tmp_path / "o.jpg", exif=exif.tobytes())
    plain = vio.read_image(tmp_path / "o.jpg")
    rotated = vio.read_image(tmp_path / "o.jpg", apply_exif_orientation=True)
    assert plain.shape == (3, 7, 10) and rotated.shape == (3, 10, 7)


def test_bad_input_raises_runtime_error_like_torchvision(tmp_path):
    (tmp_path / "junk.png").write_bytes(b"this is not an image")
    with pytest.raises(RuntimeError, match="No such file"):
        vio.read_image(tmp_path / "missing.png")
    with pytest.raises(RuntimeError, match="Unsupported image file"):
        vio.read_image(tmp_path / "junk.png")
    with pytest.raises(RuntimeError, match="Expected a torch.uint8 tensor"):
        vio.decode_image(mt.zeros(10))
    with pytest.raises(RuntimeError, match="non empty 1-dimensional"):
        vio.decode_image(mt.zeros(2, 5, dtype=mt.uint8))
    with pytest.raises(RuntimeError, match="non empty 1-dimensional"):
        vio.decode_image(mt.zeros(0, dtype=mt.uint8))
    with pytest.raises(KeyError):  # as torchvision's ImageReadMode[mode.upper()]
        vio.read_image(tmp_path / "junk.png", mode="cmyk")


# --- utils --------------------------------------------------------------------------------------

BATCH = RNG.random((5, 3, 4, 6), dtype=np.float32) * 2 - 0.5

GRID_CASES = [
    ({}, BATCH),
    ({"nrow": 2, "padding": 1, "pad_value": 0.5}, BATCH),
    ({"normalize": True}, BATCH),
    ({"normalize": True, "value_range": (0.0, 0.5)}, BATCH),
    ({"normalize": True, "scale_each": True}, BATCH),
    ({"nrow": 10}, BATCH[:, :1]),
    ({"padding": 0}, BATCH[0]),
    ({}, BATCH[0, :1]),
    ({}, BATCH[0, 0]),
    ({"nrow": 3}, [BATCH[i] for i in range(4)]),
]


@pytest.mark.parametrize("kwargs,images", GRID_CASES, ids=[str(i) for i in range(len(GRID_CASES))])
def test_make_grid_matches_torchvision(kwargs, images):
    def to(lib, a):
        return [lib.from_numpy(x.copy()) for x in a] if isinstance(a, list) else lib.from_numpy(a.copy())

    ours = vutils.make_grid(to(mt, images), **kwargs)
    theirs = tv.utils.make_grid(to(torch, images), **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_make_grid_errors_and_input_untouched():
    x = mt.from_numpy(BATCH.copy())
    vutils.make_grid(x, normalize=True)
    np.testing.assert_array_equal(x.numpy(), BATCH)  # normalize works on a copy
    for ours, theirs in (("image", "image"), ([mt.zeros(3, 2, 2), "image"], [torch.zeros(3, 2, 2), "image"])):
        with pytest.raises(TypeError):
            tv.utils.make_grid(theirs)
        with pytest.raises(TypeError, match="tensor or list of tensors expected"):
            vutils.make_grid(ours)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        vutils.make_grid(x, normalize=True, value_range=[0, 1])
    with pytest.raises(TypeError):
        tv.utils.make_grid(torch.from_numpy(BATCH), normalize=True, value_range=[0, 1])


@pytest.mark.parametrize("kwargs", [{}, {"nrow": 2, "normalize": True}, {"format": "png"}])
def test_save_image_writes_torchvision_s_pixels(tmp_path, kwargs):
    ours_file = tmp_path / "ours.png" if "format" not in kwargs else io.BytesIO()
    theirs_file = tmp_path / "theirs.png" if "format" not in kwargs else io.BytesIO()
    x = mt.from_numpy(BATCH.copy()).requires_grad_()
    vutils.save_image(x, ours_file, **kwargs)
    tv.utils.save_image(torch.from_numpy(BATCH.copy()), theirs_file, **kwargs)
    for f in (ours_file, theirs_file):
        if isinstance(f, io.BytesIO):
            f.seek(0)
    np.testing.assert_array_equal(np.asarray(Image.open(ours_file)), np.asarray(Image.open(theirs_file)))
