"""`python -m trainer ...`: the trainer's command line (see trainer.cli)."""

from trainer.cli import main

raise SystemExit(main())
