"""minitorch.vision.transforms against torchvision 0.28's, on PIL Images and on tensors.

Deterministic transforms run in both libraries on the same image and must agree: PIL outputs
exactly (both call Pillow), tensor outputs exactly for integer-valued ops and within stated
tolerances for interpolation and colour arithmetic. The two libraries' random generators differ,
so a random transform is checked as torchvision's documentation defines it: minitorch's
``get_params`` drawn under a seed, then the transform under the same seed must equal
torchvision's functional op applied with those parameters.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness.torchvision_ref import import_torchvision
from PIL import Image

import minitorch as mt
from minitorch.vision import transforms as T
from minitorch.vision.transforms import functional as F

tv = import_torchvision()
TT, TF = tv.transforms, tv.transforms.functional

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (13, 17, 3), dtype=np.uint8)
GREY = RNG.integers(0, 256, (11, 9), dtype=np.uint8)

# Tolerances: float tensors through filters / colour maps, and uint8 tensors (one grey level:
# the two libraries sum the same products in a different order before rounding).
FLOAT_TOL = {"rtol": 1e-6, "atol": 1e-6}
# Rotation: the source coordinates come from a float32 matrix product whose rounding differs from
# torch's bmm by an ulp of the coordinate, which moves a bilinear sample by up to ~1e-5; the fill
# blend ``out * mask + (1 - mask) * fill`` multiplies the mask's rounding by the fill value.
GRID_TOL = {"rtol": 1e-6, "atol": 1e-5}
UINT8_TOL = 1


def pil_images():
    return [Image.fromarray(RGB), Image.fromarray(GREY)]


def tensor_pair(array: np.ndarray, dtype: str = "uint8"):
    """The same (C, H, W) image in both libraries: uint8, or float in [0, 1]."""
    chw = np.ascontiguousarray(array.transpose(2, 0, 1) if array.ndim == 3 else array[None])
    if dtype == "float32":
        chw = (chw / 255).astype(np.float32)
    return mt.from_numpy(chw.copy()), torch.from_numpy(chw.copy())


def assert_same_pil(ours, theirs):
    assert isinstance(ours, Image.Image) and ours.mode == theirs.mode and ours.size == theirs.size
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def assert_close_tensor(ours, theirs, exact: bool = False, tol: dict | None = None):
    assert isinstance(ours, mt.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    a, b = ours.numpy(), theirs.numpy()
    if exact:
        np.testing.assert_array_equal(a, b)
    elif a.dtype == np.uint8:
        assert np.abs(a.astype(int) - b.astype(int)).max(initial=0) <= UINT8_TOL
    else:
        np.testing.assert_allclose(a, b, **(tol or FLOAT_TOL))


# (id, builder taking the transforms module, exact on tensors)
DETERMINISTIC = [
    ("resize_hw", lambda m: m.Resize((7, 9)), False),
    ("resize_short_side", lambda m: m.Resize(8), False),
    ("resize_up", lambda m: m.Resize((20, 31)), False),
    ("resize_max_size", lambda m: m.Resize(8, max_size=10), False),
    ("resize_no_antialias", lambda m: m.Resize((6, 5), antialias=False), False),
    ("resize_bicubic", lambda m: m.Resize((6, 23), interpolation=m.InterpolationMode.BICUBIC), False),
    ("resize_bicubic_no_aa", lambda m: m.Resize((6, 23), interpolation=m.InterpolationMode.BICUBIC,
                                                antialias=False), False),
    ("resize_nearest", lambda m: m.Resize((5, 30), interpolation=m.InterpolationMode.NEAREST), True),
    ("resize_nearest_exact", lambda m: m.Resize((7, 12), interpolation=m.InterpolationMode.NEAREST_EXACT), True),
    ("center_crop", lambda m: m.CenterCrop(6), True),
    ("center_crop_rect", lambda m: m.CenterCrop((4, 9)), True),
    ("center_crop_larger", lambda m: m.CenterCrop((15, 20)), True),
    ("pad_constant", lambda m: m.Pad(2, fill=7), True),
    ("pad_ltrb", lambda m: m.Pad((1, 2, 3, 4)), True),
    ("pad_edge", lambda m: m.Pad((2, 1), padding_mode="edge"), True),
    ("pad_reflect", lambda m: m.Pad(3, padding_mode="reflect"), True),
    ("pad_symmetric", lambda m: m.Pad((1, 2, 3, 4), padding_mode="symmetric"), True),
    ("hflip", lambda m: m.RandomHorizontalFlip(p=1.0), True),
    ("vflip", lambda m: m.RandomVerticalFlip(p=1.0), True),
    ("no_hflip", lambda m: m.RandomHorizontalFlip(p=0.0), True),
    ("grayscale", lambda m: m.Grayscale(), True),
    ("grayscale_3", lambda m: m.Grayscale(num_output_channels=3), True),
    ("compose", lambda m: m.Compose([m.CenterCrop(10), m.Resize(6), m.Pad(1)]), False),
    ("lambda", lambda m: m.Lambda(lambda img: img), True),
]


@pytest.mark.parametrize("name,build,exact", DETERMINISTIC, ids=[d[0] for d in DETERMINISTIC])
def test_deterministic_on_pil(name, build, exact):
    for image in pil_images():
        if name.startswith("grayscale") and image.mode == "L":
            continue
        assert_same_pil(build(T)(image.copy()), build(TT)(image.copy()))


@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("name,build,exact", DETERMINISTIC, ids=[d[0] for d in DETERMINISTIC])
def test_deterministic_on_tensors(name, build, exact, dtype):
    ours, theirs = tensor_pair(RGB, dtype)
    assert_close_tensor(build(T)(ours), build(TT)(theirs), exact=exact and not name.startswith("grayscale"))
    batch_ours, batch_theirs = mt.stack([ours, ours.flip(-1)]), torch.stack([theirs, theirs.flip(-1)])
    assert_close_tensor(build(T)(batch_ours), build(TT)(batch_theirs), exact=exact and "grayscale" not in name)


def test_grayscale_on_tensors_rounds_like_torchvision():
    # luma is truncated to uint8 by .to(); float32 sums of the three products may differ in the last bit
    ours, theirs = tensor_pair(RGB)
    assert_close_tensor(T.Grayscale()(ours), TT.Grayscale()(theirs))


def test_to_tensor_of_every_byte_in_both_default_dtypes():
    """ToTensor's fast path for 8-bit PIL images (x / 255 on the array) gives torchvision's values."""
    image = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16))
    rgb = Image.fromarray(np.arange(256 * 3, dtype=np.uint8).reshape(16, 16, 3))
    try:
        for dtype in ("float32", "float64"):
            mt.set_default_dtype(getattr(mt, dtype))
            torch.set_default_dtype(getattr(torch, dtype))
            for img in (image, rgb):
                ours, theirs = T.ToTensor()(img), TT.ToTensor()(img)
                assert ours.dtype == getattr(mt, dtype) and ours.is_contiguous()
                assert_close_tensor(ours, theirs, exact=True)
    finally:
        mt.set_default_dtype(mt.float32)
        torch.set_default_dtype(torch.float32)


def test_to_tensor_pil_to_tensor_to_pil_image():
    images = [*pil_images(), Image.fromarray(RGB).convert("RGBA"), Image.fromarray(GREY).convert("1"),
              Image.fromarray(GREY.astype(np.int32)), Image.fromarray(GREY.astype(np.float32) / 7)]
    for image in images:
        assert_close_tensor(T.ToTensor()(image), TT.ToTensor()(image), exact=True)
        if image.mode not in ("1",):
            assert_close_tensor(T.PILToTensor()(image), TT.PILToTensor()(image), exact=True)
    for array in (RGB, GREY, RGB.astype(np.float64) / 255):
        assert_close_tensor(T.ToTensor()(array), TT.ToTensor()(array), exact=True)
    for dtype in ("uint8", "float32"):
        for array in (RGB, GREY):
            ours, theirs = tensor_pair(array, dtype)
            assert_same_pil(T.ToPILImage()(ours), TT.ToPILImage()(theirs))
    ours, theirs = tensor_pair(GREY, "float32")
    assert_same_pil(T.ToPILImage(mode="F")(ours), TT.ToPILImage(mode="F")(theirs))
    rgba = np.dstack([RGB, RGB[..., :1] // 2])
    assert_same_pil(T.ToPILImage()(rgba), TT.ToPILImage()(rgba))
    # The fallback image of datasets without Pillow: a uint8 (H, W) tensor.
    assert_close_tensor(T.ToTensor()(mt.from_numpy(GREY.copy())), TT.ToTensor()(GREY), exact=True)


def test_normalize_and_convert_image_dtype():
    ours, theirs = tensor_pair(RGB, "float32")
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.5)
    assert_close_tensor(T.Normalize(mean, std)(ours), TT.Normalize(mean, std)(theirs))
    u8, tu8 = tensor_pair(RGB)
    for dtype in ("float32", "float64", "int16", "int32", "uint8"):
        assert_close_tensor(T.ConvertImageDtype(getattr(mt, dtype))(u8),
                            TT.ConvertImageDtype(getattr(torch, dtype))(tu8), exact=True)
        assert_close_tensor(F.convert_image_dtype(ours, getattr(mt, dtype) if dtype != "int32" else mt.int16),
                            TF.convert_image_dtype(theirs, getattr(torch, dtype) if dtype != "int32" else torch.int16),
                            exact=dtype != "float64")
    i32, ti32 = mt.from_numpy(RGB.astype(np.int32)), torch.from_numpy(RGB.astype(np.int32))
    assert_close_tensor(F.convert_image_dtype(i32, mt.uint8), TF.convert_image_dtype(ti32, torch.uint8), exact=True)


@pytest.mark.parametrize("factor", [0.0, 0.4, 1.0, 1.7])
def test_color_adjustments(factor):
    hue = (factor - 0.85) / 2  # in [-0.5, 0.5]
    for image in pil_images():
        for op, arg in (("adjust_brightness", factor), ("adjust_contrast", factor), ("adjust_saturation", factor),
                        ("adjust_hue", hue)):
            assert_same_pil(getattr(F, op)(image, arg), getattr(TF, op)(image, arg))
    for dtype in ("uint8", "float32"):
        ours, theirs = tensor_pair(RGB, dtype)
        for op, arg in (("adjust_brightness", factor), ("adjust_contrast", factor), ("adjust_saturation", factor),
                        ("adjust_hue", hue)):
            assert_close_tensor(getattr(F, op)(ours, arg), getattr(TF, op)(theirs, arg))


def seeded(seed: int, fn, *args):
    """``fn(*args)`` right after ``manual_seed(seed)``."""
    mt.manual_seed(seed)
    return fn(*args)


@pytest.mark.parametrize("seed", range(4))
def test_random_resized_crop(seed):
    for scale, ratio in (((0.08, 1.0), (3 / 4, 4 / 3)), ((0.9, 1.0), (3.0, 4.0)), ((0.5, 0.5), (0.2, 0.3))):
        t = T.RandomResizedCrop((8, 6), scale=scale, ratio=ratio)
        for image, ref_image in [(Image.fromarray(RGB),) * 2, tensor_pair(RGB), tensor_pair(RGB, "float32")]:
            i, j, h, w = seeded(seed, T.RandomResizedCrop.get_params, image, scale, ratio)
            assert 0 <= i <= 13 - h and 0 <= j <= 17 - w
            expected = TF.resized_crop(ref_image, i, j, h, w, [8, 6], TT.InterpolationMode.BILINEAR)
            out = seeded(seed, t, image)
            (assert_same_pil if isinstance(out, Image.Image) else assert_close_tensor)(out, expected)
    # Without a fitting draw, the fallback central crop is deterministic: compare with torchvision's.
    big = Image.fromarray(np.zeros((4, 40), np.uint8))
    assert T.RandomResizedCrop.get_params(big, (1.0, 1.0), (1.0, 1.0)) == \
        TT.RandomResizedCrop.get_params(big, (1.0, 1.0), (1.0, 1.0))


@pytest.mark.parametrize("seed", range(4))
def test_random_crop(seed):
    configs = [{"size": 5}, {"size": (6, 4), "padding": 2}, {"size": (15, 20), "pad_if_needed": True, "fill": 3},
               {"size": (14, 18), "padding": (1, 1), "padding_mode": "reflect"}]
    for config in configs:
        for image, ref_image in [(Image.fromarray(RGB),) * 2, tensor_pair(RGB)]:
            ours, theirs = T.RandomCrop(**config), TT.RandomCrop(**config)
            padded = image
            if "padding" in config:
                padded = F.pad(image, config["padding"], 0, config.get("padding_mode", "constant"))
            if config.get("pad_if_needed"):
                padded = F.pad(padded, [20 - 17, 0], 3)
                padded = F.pad(padded, [0, 15 - 13], 3)
            params = seeded(seed, T.RandomCrop.get_params, padded, ours.size)
            torch_padded = padded if isinstance(padded, Image.Image) else torch.from_numpy(padded.numpy())
            expected = TF.crop(torch_padded, *params)
            out = seeded(seed, ours, image)
            (assert_same_pil if isinstance(out, Image.Image) else assert_close_tensor)(out, expected)
            assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("seed", range(3))
def test_random_rotation(seed):
    configs = [{"degrees": 30}, {"degrees": (-90, 45), "expand": True}, {"degrees": 15, "fill": 40},
               {"degrees": 20, "center": (3, 4)},
               {"degrees": 25, "interpolation": T.InterpolationMode.BILINEAR, "fill": (10, 20, 30)}]
    for config in configs:
        ref_config = dict(config)
        if "interpolation" in config:
            ref_config["interpolation"] = TT.InterpolationMode(config["interpolation"].value)
        for image, ref_image in [(Image.fromarray(RGB),) * 2, tensor_pair(RGB), tensor_pair(RGB, "float32")]:
            ours = T.RandomRotation(**config)
            angle = seeded(seed, T.RandomRotation.get_params, ours.degrees)
            assert ours.degrees[0] <= angle <= ours.degrees[1]
            theirs = TT.RandomRotation(**ref_config)
            theirs.get_params = lambda degrees, angle=angle: angle  # torchvision's op at minitorch's angle
            expected = theirs(ref_image)
            out = seeded(seed, ours, image)
            if isinstance(out, Image.Image):
                assert_same_pil(out, expected)
            else:
                assert_close_tensor(out, expected, tol=GRID_TOL)
            assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("seed", range(4))
def test_color_jitter(seed):
    for config in ({"brightness": 0.5}, {"brightness": 0.4, "contrast": 0.4, "saturation": 0.4, "hue": 0.1},
                   {"contrast": (0.2, 0.5), "hue": (-0.3, -0.1)}):
        ours, theirs = T.ColorJitter(**config), TT.ColorJitter(**config)
        assert repr(ours) == repr(theirs)
        fn_idx, *factors = seeded(seed, T.ColorJitter.get_params, ours.brightness, ours.contrast,
                                                                         ours.saturation, ours.hue)
        assert sorted(fn_idx.tolist()) == [0, 1, 2, 3]
        order = torch.tensor(fn_idx.tolist())
        theirs.get_params = lambda *args, order=order, factors=factors: (order, *factors)
        for image, ref_image in [(Image.fromarray(RGB),) * 2, tensor_pair(RGB), tensor_pair(RGB, "float32")]:
            out = seeded(seed, ours, image)
            expected = theirs(ref_image)
            (assert_same_pil if isinstance(out, Image.Image) else assert_close_tensor)(out, expected)


def test_random_flips_and_grayscale_draw_once_and_reproduce():
    x = mt.arange(2 * 4 * 5.0).reshape(2, 4, 5)
    mt.manual_seed(0)
    outs = [T.RandomHorizontalFlip()(x).tolist() for _ in range(30)]
    assert {str(o) for o in outs} == {str(x.tolist()), str(x.flip(-1).tolist())}
    mt.manual_seed(0)
    assert outs == [T.RandomHorizontalFlip()(x).tolist() for _ in range(30)]
    image = Image.fromarray(RGB)
    assert_same_pil(T.RandomGrayscale(p=1.0)(image), TT.RandomGrayscale(p=1.0)(image))
    assert_same_pil(T.RandomApply([T.CenterCrop(4)], p=1.0)(image), TT.RandomApply([TT.CenterCrop(4)], p=1.0)(image))
    assert T.RandomApply([T.CenterCrop(4)], p=0.0)(image) is image


def test_reprs_match_torchvision():
    builders = [lambda m: m.Compose([m.ToTensor(), m.Normalize((0.1307,), (0.3081,))]),
                lambda m: m.Resize((3, 4)), lambda m: m.CenterCrop(3), lambda m: m.Pad(2, padding_mode="edge"),
                lambda m: m.RandomResizedCrop(224), lambda m: m.Grayscale(3), lambda m: m.ToPILImage(),
                lambda m: m.ToPILImage(mode="RGB"), lambda m: m.PILToTensor(), lambda m: m.RandomVerticalFlip(0.3),
                lambda m: m.RandomApply([m.CenterCrop(2)], p=0.3), lambda m: m.RandomGrayscale(),
                lambda m: m.Lambda(abs)]
    for build in builders:
        assert repr(build(T)) == repr(build(TT))


def test_transforms_are_modules_where_torchvision_s_are():
    for name in ("Normalize", "Resize", "CenterCrop", "Pad", "RandomCrop", "RandomHorizontalFlip",
                 "RandomResizedCrop", "RandomRotation", "ColorJitter", "Grayscale", "ConvertImageDtype"):
        assert issubclass(getattr(T, name), mt.nn.Module) == issubclass(getattr(TT, name), torch.nn.Module), name
    pipeline = mt.nn.Sequential(T.CenterCrop(4), T.Normalize((0.5,) * 3, (0.5,) * 3))
    assert pipeline(mt.ones(3, 8, 8)).shape == (3, 4, 4)


def test_float_resize_keeps_the_graph():
    x = mt.rand(1, 6, 7, requires_grad=True)
    F.resize(x, [4, 5]).sum().backward()
    tx = torch.from_numpy(x.detach().numpy().copy()).requires_grad_()
    TF.resize(tx, [4, 5]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **FLOAT_TOL)


# --- bad input: the exception types of torchvision -------------------------------------------------

BAD_CALLS = [
    ("to_tensor_list", lambda m, f, img, t: m.ToTensor()([1, 2])),
    ("to_tensor_4d_array", lambda m, f, img, t: m.ToTensor()(np.zeros((1, 2, 3, 4)))),
    ("pil_to_tensor_array", lambda m, f, img, t: m.PILToTensor()(np.zeros((2, 2), np.uint8))),
    ("to_pil_list", lambda m, f, img, t: m.ToPILImage()([1])),
    ("to_pil_5_channels", lambda m, f, img, t: m.ToPILImage()(np.zeros((2, 2, 5), np.uint8))),
    ("to_pil_wrong_mode", lambda m, f, img, t: m.ToPILImage(mode="RGB")(np.zeros((2, 2, 1), np.uint8))),
    ("to_pil_int64", lambda m, f, img, t: m.ToPILImage()(np.zeros((2, 2, 3), np.int64))),
    ("normalize_uint8", lambda m, f, img, t: m.Normalize((0.5,), (0.5,))(t.to(torch_or_mt(t).uint8))),
    ("normalize_pil", lambda m, f, img, t: m.Normalize((0.5,), (0.5,))(img)),
    ("normalize_zero_std", lambda m, f, img, t: m.Normalize((0.5,), (0.0,))(t)),
    ("normalize_2d", lambda m, f, img, t: m.Normalize((0.5,), (0.5,))(t[0])),
    ("resize_bad_size_type", lambda m, f, img, t: m.Resize("big")),
    ("resize_three_sizes", lambda m, f, img, t: m.Resize((1, 2, 3))),
    ("resize_max_size_with_pair", lambda m, f, img, t: m.Resize((4, 4), max_size=9)(img)),
    ("resize_max_size_too_small", lambda m, f, img, t: m.Resize(8, max_size=8)(img)),
    ("resize_bad_interpolation", lambda m, f, img, t: m.Resize(4, interpolation="bilinear")(img)),
    ("resize_tensor_lanczos", lambda m, f, img, t: m.Resize(4, interpolation=m.InterpolationMode.LANCZOS)(t)),
    ("center_crop_three", lambda m, f, img, t: m.CenterCrop((1, 2, 3))),
    ("random_crop_too_big", lambda m, f, img, t: m.RandomCrop(50)(img)),
    ("random_crop_too_big_tensor", lambda m, f, img, t: m.RandomCrop(50)(t)),
    ("pad_bad_mode", lambda m, f, img, t: m.Pad(2, padding_mode="wrap")),
    ("pad_three", lambda m, f, img, t: m.Pad((1, 2, 3))),
    ("pad_str", lambda m, f, img, t: m.Pad("2")),
    ("pad_bad_fill", lambda m, f, img, t: m.Pad(2, fill="red")),
    ("pad_tensor_tuple_fill", lambda m, f, img, t: f.pad(t, 2, fill=(1, 2, 3))),
    ("rotation_negative", lambda m, f, img, t: m.RandomRotation(-3)),
    ("rotation_three", lambda m, f, img, t: m.RandomRotation((1, 2, 3))),
    ("rotation_bad_center", lambda m, f, img, t: m.RandomRotation(3, center=5)),
    ("rotation_bad_fill", lambda m, f, img, t: m.RandomRotation(3, fill={"r": 1})),
    ("rotate_str_angle", lambda m, f, img, t: f.rotate(t, "90")),
    ("rotate_tensor_bicubic", lambda m, f, img, t: f.rotate(t, 9.0, interpolation=m.InterpolationMode.BICUBIC)),
    ("rotate_fill_mismatch", lambda m, f, img, t: f.rotate(t, 9.0, fill=[1.0, 2.0])),
    ("jitter_negative", lambda m, f, img, t: m.ColorJitter(brightness=-1)),
    ("jitter_three", lambda m, f, img, t: m.ColorJitter(contrast=(1, 2, 3))),
    ("jitter_hue_too_big", lambda m, f, img, t: m.ColorJitter(hue=0.7)),
    ("brightness_negative", lambda m, f, img, t: f.adjust_brightness(t, -1.0)),
    ("hue_out_of_range_pil", lambda m, f, img, t: f.adjust_hue(img, 0.6)),
    ("grayscale_two_channels", lambda m, f, img, t: m.Grayscale()(t[:2])),
    ("grayscale_bad_channels", lambda m, f, img, t: m.Grayscale(2)(t)),
    ("grayscale_bad_channels_pil", lambda m, f, img, t: m.Grayscale(2)(img)),
    ("to_grayscale_tensor", lambda m, f, img, t: f.to_grayscale(t)),
    ("convert_dtype_unsafe", lambda m, f, img, t: f.convert_image_dtype(t, torch_or_mt(t).int32)),
    ("convert_dtype_pil", lambda m, f, img, t: m.ConvertImageDtype(torch_or_mt(t).float64)(img)),
    ("lambda_not_callable", lambda m, f, img, t: m.Lambda(3)),
    ("resized_crop_scale_int", lambda m, f, img, t: m.RandomResizedCrop(4, scale=1)),
    ("hflip_list", lambda m, f, img, t: f.hflip([1, 2])),
    ("crop_list", lambda m, f, img, t: f.crop([1, 2], 0, 0, 1, 1)),
]


def torch_or_mt(t):
    return torch if isinstance(t, torch.Tensor) else mt


def raised(call, *args):
    try:
        call(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e)
    return None


@pytest.mark.parametrize("name,call", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_input_raises_torchvision_s_exception(name, call):
    ours_t, theirs_t = tensor_pair(RGB, "float32")
    theirs = raised(call, TT, TF, Image.fromarray(RGB), theirs_t)
    assert theirs is not None, f"torchvision accepts {name}"
    ours = raised(call, T, F, Image.fromarray(RGB), ours_t)
    assert ours is theirs, f"{name}: minitorch raised {ours}, torchvision {theirs}"
