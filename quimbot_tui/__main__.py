"""``python -m quimbot_tui``: the same as the ``quimbot-tui`` command."""

import sys

from quimbot_tui.cli import main

sys.exit(main())
