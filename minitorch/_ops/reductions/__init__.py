"""Reductions: sum/mean/max..., sorting and selection, scans, softmax."""
