"""The training steps the benchmarks time, defined once for minitorch and PyTorch alike.

Each model builder takes the library (``minitorch`` or ``torch``) and returns a fresh model from its
``nn``; ``training_setup`` builds one with its optimizer and a fixed batch, and ``training_step`` wraps
those in a step. ``bench_compile.py``, ``bench_commits.py`` (and through it ``bench_busy.py``),
``bench_training_step.py``, ``bench_lenet_epoch.py`` (and through it ``bench_kernels.py``) and
``bench_cuda.py`` import them from here, so that "the MLP step" and "the LeNet step" mean the same
network in every table.

* ``mlp``: 784-256-10 with a ReLU, the MLP of issue 19 (the gallery's ``mlp_concise`` on one hidden layer);
* ``mlp_example``: 784-256-128-10 with ReLUs, the MLP ``examples/train_mlp.py`` trains;
* ``lenet``: LeNet-5 as ``examples/train_lenet.py`` trains it (ReLU, max pooling);
* ``d2l_lenet``: LeNet as Dive into Deep Learning's chapter has it (``examples/gallery/lenet.py``:
  sigmoid, average pooling).
"""

from __future__ import annotations

import numpy as np


def mlp(lib):
    """784 -> 256 -> 10 with a ReLU between, on flattened 1x28x28 images."""
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def mlp_example(lib):
    """``examples/train_mlp.py``'s MLP: 784 -> 256 -> 128 -> 10 with ReLUs, on flattened 1x28x28 images."""
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def lenet(lib):
    """``examples/train_lenet.py``'s LeNet-5: two conv + ReLU + max-pool stages, three linear layers."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def d2l_lenet(lib):
    """d2l's LeNet (``examples/gallery/lenet.py``): sigmoid activations and average pooling."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def training_setup(lib, make_model, lr: float, optimizer: str = "SGD", batch_size: int = 64,
                   input_shape: tuple = (1, 28, 28), device=None, **options):
    """``(model, opt, images, labels)``: ``make_model(lib)`` (moved to ``device`` when one is given),
    ``lib.optim.<optimizer>(model.parameters(), lr=lr, **options)``, and a batch of ``batch_size``
    standard-normal float32 images of ``input_shape`` with random labels in 0..9 (on ``device``).
    The weights (``lib.manual_seed(0)``) and the batch (NumPy's generator, seed 0) are the same on
    every call, so two libraries, or two revisions, start from the same numbers.
    """
    lib.manual_seed(0)
    model = make_model(lib)
    if device is not None:
        model = model.to(device)
    opt = getattr(lib.optim, optimizer)(model.parameters(), lr=lr, **options)
    rng = np.random.default_rng(0)
    images = lib.tensor(rng.standard_normal((batch_size, *input_shape)).astype(np.float32))
    labels = lib.tensor(rng.integers(0, 10, batch_size))
    if device is not None:
        images, labels = images.to(device), labels.to(device)
    return model, opt, images, labels


def training_step(lib, make_model, lr: float, optimizer: str = "SGD", batch_size: int = 64, **options):
    """``(step, (images, labels))``: ``step(images, labels)`` is one training step of
    ``make_model(lib)`` (zero_grad, forward, cross-entropy, backward, and the step of
    ``lib.optim.<optimizer>(parameters, lr=lr, **options)``) and returns the loss, on
    ``training_setup``'s model and batch (``options`` may also name its ``input_shape`` and ``device``).
    """
    model, opt, images, labels = training_setup(lib, make_model, lr, optimizer, batch_size, **options)
    loss_fn = lib.nn.functional.cross_entropy

    def step(images, labels):
        opt.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        opt.step()
        return loss

    return step, (images, labels)


def step_of(step_and_batch):
    """``training_step``'s step as a zero-argument call on its batch."""
    step, batch = step_and_batch
    return lambda: step(*batch)
