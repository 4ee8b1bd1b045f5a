"""Creation ops: tensors from data, filled factories, ranges."""
