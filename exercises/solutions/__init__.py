"""Solutions to the exercises (``exercises/<mod>.py``): the same names, solved.

Each solution sits between ``# --8<-- [start:<name>]`` and ``# --8<-- [end:<name>]`` so that its
page includes it (pymdownx.snippets) in a folded "Solution" box.
"""
