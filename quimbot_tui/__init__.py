"""quimbot-tui: a terminal workbench for staged LoRA fine-tuning of language-learning assistants."""

__version__ = "0.1.0"
