"""`python -m infrakit.cli` runs the console script (the report runner starts emulators this way)."""

import sys

from infrakit.cli import main

sys.exit(main())
