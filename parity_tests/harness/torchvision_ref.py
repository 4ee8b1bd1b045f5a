"""torchvision, the reference for ``minitorch.vision``, imported without its compiled extension.

The package index serves torchvision 0.28.0 (the release that matches the pinned torch 2.13.0)
only as a CUDA build, whose extension does not load next to the CPU torch; ``tools/test.sh``
installs it with ``--no-deps``. Its Python code - transforms, models, ``utils.make_grid`` - works
without the extension once the module that registers the extension's operators is skipped.
Detection ops (nms, roi_align) and ``torchvision.io``'s decoders are not available this way.
"""

from __future__ import annotations

import sys
import types


def import_torchvision():
    """The real ``torchvision`` package (raises ImportError when it is not installed)."""
    if "torchvision" not in sys.modules:
        sys.modules.setdefault("torchvision._meta_registrations",
                               types.ModuleType("torchvision._meta_registrations"))
    import torchvision

    return torchvision
