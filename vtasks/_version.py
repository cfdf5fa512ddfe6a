"""The version of vtasks, written here and nowhere else.

pyproject.toml reads it (hatchling's ``[tool.hatch.version]``), ``vtasks.__version__`` imports it,
and the HTTP ``User-Agent`` and ``vtasks --version`` are built from it.
"""

__version__ = "0.1.0"
