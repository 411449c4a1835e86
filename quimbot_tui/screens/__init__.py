"""The screens of quimbot-tui, one module and one .tcss per mode."""
