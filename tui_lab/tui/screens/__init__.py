"""The app's screens: the lab itself, help, settings, and a one-line prompt."""
