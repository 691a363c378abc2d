"""The Textual app: screens, widgets, the worker queue. Drives the lab through core's LabLike interface."""
