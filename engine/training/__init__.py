"""LoRA training: the config, the trainer script, its events, checkpoints and launching.

Nothing here imports torch at module level except the trainer's functions: the app and the
CLI list, start, stop and follow runs without loading it.
"""
