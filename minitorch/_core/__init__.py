"""Core data types with no Tensor: dtype, device, Size, strides, argument checks, threads."""
