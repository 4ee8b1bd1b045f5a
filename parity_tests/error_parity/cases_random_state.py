"""Invalid calls of the RNG state and seeding functions: ``get_rng_state`` / ``set_rng_state``,
``Generator.get_state`` / ``set_state``, ``manual_seed`` and ``Generator.manual_seed``."""

from .runner import cases

CASES = [
    *cases("set_rng_state",
           "torch.set_rng_state(torch.zeros(3))",
           "torch.set_rng_state(torch.get_rng_state().double())",
           "torch.set_rng_state([1, 2])",
           "torch.set_rng_state(None)",
           "torch.set_rng_state(torch.zeros(3, dtype=torch.uint8))",
           "torch.set_rng_state(torch.full((torch.get_rng_state().numel(),), 255, dtype=torch.uint8))",
           "torch.set_rng_state(torch.get_rng_state().repeat(2)[::2])"),
    *cases("Generator.set_state",
           "torch.Generator().set_state(torch.zeros(3))",
           "torch.Generator().set_state([1])",
           "torch.Generator().set_state(torch.zeros(3, dtype=torch.uint8))",
           "g = torch.Generator(); g.set_state(g.get_state().repeat(2)[::2])"),
    *cases("manual_seed",
           "torch.manual_seed('a')",
           "torch.manual_seed(None)",
           "torch.manual_seed(2**64)",
           "torch.manual_seed(-2**63 - 1)"),
    *cases("Generator.manual_seed",
           "torch.Generator().manual_seed(1.5)",
           "torch.Generator().manual_seed('3')",
           "torch.Generator().manual_seed(None)",
           "torch.Generator().manual_seed(True)",
           "torch.Generator().manual_seed(torch.tensor(3))",
           "torch.Generator().manual_seed(2**64)"),
]
