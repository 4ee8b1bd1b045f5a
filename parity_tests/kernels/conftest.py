"""Kernel tests import their helpers as a sibling module (pytest runs with --import-mode=importlib)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
