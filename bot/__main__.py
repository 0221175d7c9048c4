"""``python -m bot ...`` is the ``findproject`` command (the test harness starts the server this way)."""

from bot.cli import main

raise SystemExit(main())
