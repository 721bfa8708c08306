"""Everything Qt: the main window, its widgets, item models and the training worker thread."""
