"""The app's panels: one file per panel, each rendering the controller's Snapshot.

Widgets never compute lab numbers: they format what the snapshot holds.
"""
