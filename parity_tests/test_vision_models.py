"""minitorch.vision.models against the real torchvision 0.28.0 (its Python code, see harness/torchvision_ref.py).

For each architecture: build torchvision's model (seeded random init), check that minitorch's
``state_dict`` has the same keys in the same order with the same shapes, copy the values over
(via NumPy), and compare outputs on a small input in eval mode - and in train mode for ResNet-18
(BatchNorm batch statistics, running-stat updates, gradients) and GoogLeNet (auxiliary heads).
The eval and ResNet-18 train comparisons run minitorch on the suite's ``--device``.
Random BatchNorm statistics and affine parameters replace the fresh ones (mean 0, var 1), so that
the comparison sees activations of ordinary size in every layer.

Tolerances (float32): outputs agree to ``atol = 1e-4 * max(1, max|torch output|)``, ``rtol = 1e-4``
(the same arithmetic in a different summation order, through up to 150 layers).

The pretrained-weights path (``weights=...``, ``pretrained=True``) is tested with torchvision-format
checkpoints written by ``torch.save`` and served from ``file://`` URLs - never the network.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pytest
import torch
from harness.torchvision_ref import import_torchvision

import minitorch as mt
from minitorch.vision import models
from minitorch.vision.models import vgg as mt_vgg

tv = import_torchvision()
import torchvision.models.vgg as tv_vgg  # after import_torchvision(), which shims the extension

# builder name -> (input side, extra builder kwargs). VGG13/19 and their BN variants differ from
# VGG11/16 only in the feature configuration, checked separately below (each full VGG carries a
# 102M-parameter classifier, slow to initialise on this machine).
ARCHITECTURES = {
    "alexnet": (64, {}),
    "vgg11": (32, {}),
    "vgg16_bn": (32, {}),
    "googlenet": (64, {"init_weights": True}),
    "resnet18": (64, {}),
    "resnet34": (32, {}),
    "resnet50": (64, {}),
    "resnet101": (32, {}),
    "resnet152": (32, {}),
    "densenet121": (64, {}),
    "densenet161": (32, {}),
    "densenet169": (32, {}),
    "densenet201": (32, {}),
    "mobilenet_v2": (64, {}),
}
FORWARD = ["alexnet", "vgg11", "vgg16_bn", "googlenet", "resnet18", "resnet50", "densenet121", "mobilenet_v2"]


def _randomize_batchnorm(model: torch.nn.Module, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(0.1 * torch.randn(n, generator=g))
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
                m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(0.1 * torch.randn(n, generator=g))


def _to_minitorch_state(state: dict) -> dict:
    return {k: mt.from_numpy(v.detach().numpy().copy()) for k, v in state.items()}


def _assert_same_state_layout(ref: torch.nn.Module, mine) -> None:
    ref_sd, my_sd = ref.state_dict(), mine.state_dict()
    assert list(my_sd) == list(ref_sd)
    for k in ref_sd:
        assert tuple(my_sd[k].shape) == tuple(ref_sd[k].shape), k
        assert str(my_sd[k].dtype) == str(ref_sd[k].dtype), k


def _pair(name: str, **kwargs):
    torch.manual_seed(0)
    ref = getattr(tv.models, name)(weights=None, **kwargs)
    mine = getattr(models, name)(weights=None, **kwargs)
    _assert_same_state_layout(ref, mine)
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in ref.named_modules()]
    _randomize_batchnorm(ref)
    mine.load_state_dict(_to_minitorch_state(ref.state_dict()))
    return ref, mine


def _image(n: int, side: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 3, side, side)).astype(np.float32)


def _assert_close(got, ref) -> None:
    ref = ref.detach().numpy()
    got = got.detach().cpu().numpy()
    assert got.shape == ref.shape and got.dtype == ref.dtype
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(ref).max())))


@pytest.mark.parametrize("name", [n for n in ARCHITECTURES if n not in FORWARD])  # FORWARD's: in _pair
def test_state_dict_layout_matches_torchvision(name):
    _, kwargs = ARCHITECTURES[name]
    ref = getattr(tv.models, name)(weights=None, **kwargs)
    mine = getattr(models, name)(weights=None, **kwargs)
    _assert_same_state_layout(ref, mine)
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in ref.named_modules()]


@pytest.mark.parametrize("cfg", sorted(tv_vgg.cfgs))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_vgg_feature_configurations_match(cfg, batch_norm):
    _assert_same_state_layout(tv_vgg.make_layers(tv_vgg.cfgs[cfg], batch_norm),
                              mt_vgg.make_layers(mt_vgg.cfgs[cfg], batch_norm))


@pytest.mark.parametrize("name", FORWARD)
def test_eval_output_matches_torchvision(name, device):
    side, kwargs = ARCHITECTURES[name]
    ref, mine = _pair(name, **kwargs)
    ref.eval()
    mine.eval().to(device)
    x = _image(1, side)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x))
    with mt.no_grad():
        got = mine(mt.from_numpy(x).to(device))
    _assert_close(got, expected)


def test_resnet18_train_mode_matches_batch_stats_and_gradients(device):
    ref, mine = _pair("resnet18", num_classes=10)
    ref.train()
    mine.train().to(device)
    x = _image(2, 64, seed=1)  # at 32x32, layer4's BatchNorm would normalise 2 values per channel: ill-conditioned
    expected = ref(torch.from_numpy(x))
    got = mine(mt.from_numpy(x).to(device))
    _assert_close(got, expected)
    (expected ** 2).sum().backward()
    (got ** 2).sum().backward()
    assert mine.conv1.weight.device.type == device
    _assert_close(mine.conv1.weight.grad, ref.conv1.weight.grad)
    _assert_close(mine.layer4[1].bn2.weight.grad, ref.layer4[1].bn2.weight.grad)
    _assert_close(mine.fc.weight.grad, ref.fc.weight.grad)
    for key in ("bn1.running_mean", "bn1.running_var", "layer3.0.downsample.1.running_var"):
        _assert_close(mine.state_dict()[key], ref.state_dict()[key])
    assert int(mine.state_dict()["bn1.num_batches_tracked"].cpu()) == int(ref.state_dict()["bn1.num_batches_tracked"])
    assert int(ref.state_dict()["bn1.num_batches_tracked"]) == 1


def test_googlenet_train_mode_returns_aux_logits():
    # dropout=0 so that train mode is deterministic; BatchNorm uses the batch statistics.
    ref, mine = _pair("googlenet", init_weights=True, dropout=0.0, dropout_aux=0.0, num_classes=7)
    ref.train()
    mine.train()
    x = _image(2, 64, seed=2)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x))
    with mt.no_grad():
        got = mine(mt.from_numpy(x))
    assert type(got).__name__ == "GoogLeNetOutputs" and got._fields == expected._fields
    for g, e in zip(got, expected):
        _assert_close(g, e)


def test_googlenet_transform_input_and_no_aux():
    ref, mine = _pair("googlenet", init_weights=True, aux_logits=False, transform_input=True)
    assert mine.aux1 is None and "aux1.conv.conv.weight" not in mine.state_dict()
    ref.eval()
    mine.eval()
    x = _image(1, 48, seed=3)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x))
    with mt.no_grad():
        got = mine(mt.from_numpy(x))
    _assert_close(got, expected)


def test_googlenet_init_weights_none_warns_like_torchvision():
    with pytest.warns(FutureWarning, match="default weight initialization of GoogleNet"):
        models.googlenet(aux_logits=False)


def test_builder_options():
    m = models.resnet18(num_classes=10)
    assert tuple(m.fc.weight.shape) == (10, 512)
    assert tuple(models.mobilenet_v2(num_classes=5, width_mult=0.5).classifier[1].weight.shape) == (5, 1280)
    assert isinstance(models.resnet50().layer1[0], models.resnet.Bottleneck)
    assert models.get_model("ResNet18", num_classes=3).fc.out_features == 3
    assert models.list_models(include="resnet*") == tv.models.list_models(module=tv.models, include="resnet*")
    assert set(models.list_models()) <= set(tv.models.list_models(module=tv.models))


# ----------------------------------------------------------------------------- weights enums
_ENUMS = ["AlexNet_Weights", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
          "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "GoogLeNet_Weights",
          "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
          "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights", "DenseNet201_Weights",
          "MobileNet_V2_Weights"]


@pytest.mark.parametrize("enum_name", _ENUMS)
def test_weights_enum_matches_torchvision(enum_name):
    mine, ref = getattr(models, enum_name), getattr(tv.models, enum_name)
    assert list(mine.__members__) == list(ref.__members__)
    assert mine.DEFAULT.name == ref.DEFAULT.name and mine.DEFAULT is mine[ref.DEFAULT.name]
    for member in ref:
        w = mine[member.name]
        assert w.url == member.url
        assert repr(w) == repr(member)
        for key in ("categories", "num_params", "min_size", "recipe"):
            assert w.meta[key] == member.meta[key], key
        m_metrics, r_metrics = w.meta["_metrics"]["ImageNet-1K"], member.meta["_metrics"]["ImageNet-1K"]
        np.testing.assert_equal(m_metrics, r_metrics)
        assert w.transforms.keywords == member.transforms.keywords
        assert models.get_weight(f"{enum_name}.{member.name}") is w
        assert w == mine.verify(member.name) == mine.verify(f"{enum_name}.{member.name}")


def test_weights_num_params_is_the_models():
    for name, enum in (("resnet18", models.ResNet18_Weights), ("mobilenet_v2", models.MobileNet_V2_Weights),
                       ("densenet121", models.DenseNet121_Weights)):
        model = getattr(models, name)()
        assert sum(p.numel() for p in model.parameters()) == enum.DEFAULT.meta["num_params"]
        assert models.get_model_weights(name) is enum


def test_weights_argument_errors_match_torchvision():
    for lib in (tv.models, models):
        with pytest.raises(TypeError, match="expected ResNet18_Weights but received ResNet34_Weights"):
            lib.resnet18(weights=lib.ResNet34_Weights.DEFAULT)
        with pytest.raises(KeyError):
            lib.resnet18(weights="IMAGENET1K_V9")
        with pytest.raises(ValueError, match="expected value 1000 but got 10"):
            lib.resnet18(weights="DEFAULT", num_classes=10)
        with pytest.raises(ValueError, match="Unknown model"):
            lib.get_model("resnet7")


def test_transforms_preset_matches_torchvision():
    mine = models.ResNet50_Weights.IMAGENET1K_V2.transforms()
    ref = tv.models.ResNet50_Weights.IMAGENET1K_V2.transforms()
    assert (mine.crop_size, mine.resize_size, mine.mean, mine.std) == (ref.crop_size, ref.resize_size, ref.mean,
                                                                      ref.std)
    assert "crop_size=[224]" in repr(mine) and "resize_size=[232]" in repr(mine)
    # An image whose shorter side already has the resize size: resizing is the identity in both
    # libraries, so crop + scale + normalise must agree to float rounding.
    img = np.random.default_rng(0).integers(0, 256, (3, 232, 300), dtype=np.uint8)
    expected = ref(torch.from_numpy(img))
    got = mine(mt.from_numpy(img))
    assert tuple(got.shape) == (3, 224, 224)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)
    batch = mine(mt.from_numpy(np.stack([img, img])))
    assert tuple(batch.shape) == (2, 3, 224, 224)
    from PIL import Image

    pil = Image.fromarray(np.ascontiguousarray(img.transpose(1, 2, 0)))  # a PIL image, as torchvision users pass
    np.testing.assert_allclose(mine(pil).numpy(), ref(pil).numpy(), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- pretrained weights
@pytest.fixture
def weights_server(monkeypatch, tmp_path):
    """Serve torchvision-format checkpoints from file:// URLs (named with their SHA-256 prefix, as
    download.pytorch.org's are), for both libraries' weights enums, into an isolated TORCH_HOME."""
    import torch.hub

    import minitorch.hub

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(minitorch.hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    (tmp_path / "server").mkdir()

    def publish(enum_name: str, member: str, state: dict, stem: str) -> str:
        path = tmp_path / "server" / "tmp.pth"
        torch.save(state, path)
        named = path.with_name(f"{stem}-{hashlib.sha256(path.read_bytes()).hexdigest()[:8]}.pth")
        path.rename(named)
        for lib in (tv.models, models):
            monkeypatch.setattr(getattr(lib, enum_name)[member].value, "url", named.as_uri())
        return str(named)

    return publish


def test_pretrained_resnet18_downloads_and_loads(weights_server, tmp_path):
    torch.manual_seed(0)
    source = tv.models.resnet18()
    _randomize_batchnorm(source)
    weights_server("ResNet18_Weights", "IMAGENET1K_V1", source.state_dict(), "resnet18")
    mine = models.resnet18(weights="IMAGENET1K_V1", progress=False)  # downloads into TORCH_HOME, checks the hash
    cached = [p.name for p in (tmp_path / "torch_home" / "hub" / "checkpoints").iterdir()]
    assert len(cached) == 1 and cached[0].startswith("resnet18-")
    ref = tv.models.resnet18(weights=tv.models.ResNet18_Weights.IMAGENET1K_V1, progress=False)  # from the cache
    ref.eval()
    mine.eval()
    x = _image(1, 64, seed=4)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x))
    with mt.no_grad():
        got = mine(mt.from_numpy(x))
    _assert_close(got, expected)
    # DEFAULT and the enum member name the same weights.
    again = models.resnet18(weights=models.ResNet18_Weights.DEFAULT, progress=False)
    np.testing.assert_array_equal(again.fc.weight.detach().numpy(), mine.fc.weight.detach().numpy())


def _warning_messages(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if "TypedStorage" not in str(w.message)]


def test_pretrained_flag_warns_like_torchvision(weights_server):
    torch.manual_seed(0)
    weights_server("ResNet18_Weights", "IMAGENET1K_V1", tv.models.resnet18().state_dict(), "resnet18")
    mine = _warning_messages(lambda: models.resnet18(pretrained=True, progress=False))
    ref = _warning_messages(lambda: tv.models.resnet18(pretrained=True, progress=False))
    assert mine == ref and len(mine) == 2
    assert _warning_messages(lambda: models.resnet18(pretrained=False)) == \
        _warning_messages(lambda: tv.models.resnet18(pretrained=False))
    # The flag passed positionally (the pre-0.13 signature).
    assert _warning_messages(lambda: models.resnet18(False)) == _warning_messages(lambda: tv.models.resnet18(False))


def test_pretrained_googlenet_drops_aux_and_transforms_input(weights_server):
    torch.manual_seed(0)
    source = tv.models.googlenet(init_weights=True, aux_logits=True)
    _randomize_batchnorm(source)
    weights_server("GoogLeNet_Weights", "IMAGENET1K_V1", source.state_dict(), "googlenet")
    mine = models.googlenet(weights="DEFAULT", progress=False)
    ref = tv.models.googlenet(weights="DEFAULT", progress=False)
    assert mine.aux1 is None and mine.aux_logits is False and mine.transform_input is True
    assert list(mine.state_dict()) == list(ref.state_dict())
    x = _image(1, 64, seed=5)
    for model in (mine, ref):
        model.train()  # no aux heads: a plain tensor even in training mode (dropout off for the comparison)
        model.dropout.p = 0.0
    with torch.no_grad():
        expected = ref(torch.from_numpy(x))
    with mt.no_grad():
        got = mine(mt.from_numpy(x))
    _assert_close(got, expected)


def test_pretrained_densenet_renames_legacy_keys(weights_server):
    # torchvision's released DenseNet files predate num_batches_tracked and module versions (a plain
    # dict, no _metadata) and name layers "norm.1" where the model has "norm1".
    torch.manual_seed(0)
    source = tv.models.densenet121()
    _randomize_batchnorm(source)
    legacy_state = {k.replace("norm1", "norm.1").replace("conv2", "conv.2"): v
                    for k, v in source.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert "features.denseblock1.denselayer1.norm.1.weight" in legacy_state
    weights_server("DenseNet121_Weights", "IMAGENET1K_V1", legacy_state, "densenet121")
    mine = models.densenet121(weights="IMAGENET1K_V1", progress=False)
    ref = tv.models.densenet121(weights="IMAGENET1K_V1", progress=False)
    assert list(mine.state_dict()) == list(ref.state_dict())
    mine.eval()
    source.eval()
    x = _image(1, 32, seed=6)
    with torch.no_grad():
        expected = source(torch.from_numpy(x))
    with mt.no_grad():
        got = mine(mt.from_numpy(x))
    _assert_close(got, expected)
