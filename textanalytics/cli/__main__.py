"""``python -m textanalytics.cli``: what the ``textanalytics`` script runs."""

from . import main

raise SystemExit(main())
