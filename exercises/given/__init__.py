"""Code the exercises build on, given as it is on its page (not an exercise: nothing to write here)."""
