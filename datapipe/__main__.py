"""`python -m datapipe ...`: the datapipe command line (see datapipe.cli)."""

import sys

from datapipe.cli import main

sys.exit(main())
