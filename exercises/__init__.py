"""Exercises for the learning path, one module per page of ``docs/``, each checked against PyTorch.

For the page ``docs/<page>.md`` (``<mod>`` is its stem with ``-`` turned into ``_``):

- ``exercises/<mod>.py`` is yours: one function (or class) per exercise, its docstring states the
  task, its body raises ``NotImplementedError`` until you write it;
- ``exercises/test_<mod>.py`` holds the checks, marked per exercise: ``pytest exercises -m
  broadcasting_1`` checks exercise 1 of the broadcasting page, ``pytest exercises/test_broadcasting.py``
  all of that page's;
- ``exercises/solutions/<mod>.py`` holds one solution (the pages show it folded).
  ``MINITORCH_EXERCISES=solutions pytest exercises`` runs the checks against it (CI does, in
  ``tools/test.sh``); ``parity_tests/test_exercises.py`` checks that every check fails against the
  unsolved file, and that every exercise on every page has its checks.
"""
