"""``python -m registry_core`` runs the ``registry-core`` command."""

import sys

from .cli import main

sys.exit(main())
