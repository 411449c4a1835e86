"""Domain logic of quimbot-tui, with no UI: records, importers, mixing, synthetic data, training,
run supervision, telemetry, inference, evaluation, microlearning, export, notifications.

Nothing here imports ``textual``. Heavy libraries (torch, transformers, peft, datasets) are
imported inside the functions that need them.
"""
