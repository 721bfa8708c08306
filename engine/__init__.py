"""The training engine: plain Python, numpy and PyTorch. It never imports Qt.

Modules that need torch import it themselves, so `engine.data.points` and `engine.data.csv_io` load in
milliseconds and the window can appear before torch has finished importing.
"""
