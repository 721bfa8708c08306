"""The training process the window talks to: its main loop and the typed messages both ends exchange."""
