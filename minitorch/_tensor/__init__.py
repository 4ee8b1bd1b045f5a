"""The ``Tensor`` class, its printing, legacy constructors and PyTorch interop."""
