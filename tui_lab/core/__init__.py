"""The lab without a screen: the controller, the per-step kernel, text, files, traces. Never imports Textual, Rich or the trained layer."""
