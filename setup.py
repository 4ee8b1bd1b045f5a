"""Packaging beyond pyproject.toml: the folder ``kernels/`` installs as ``minitorch.kernels``.

The numba kernels live in their own top-level folder (the layout shows the layers), but the import
name ``kernels`` alone belongs to another project on PyPI, so ``package_dir`` maps the folder into
minitorch's namespace. pyproject.toml's ``packages.find`` cannot rename a package, hence this file.
Editable installs (``pip install -e .``) get the same mapping from setuptools' import finder.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["minitorch", "minitorch.*"]) + ["minitorch.kernels"],
    package_dir={"minitorch.kernels": "kernels"},
)
