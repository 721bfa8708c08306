"""The training engine: plain Python, numpy and PyTorch. It never imports Qt.

Modules that need torch import it themselves, so `engine.data.points` and `engine.data.csv_io` load in
milliseconds and the window can appear before torch has finished importing.
"""

__version__ = "0.1.0"  # the app's version, as in pyproject.toml (a test keeps the two equal)
