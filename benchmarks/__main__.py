"""``python -m benchmarks``: run the benchmark suites and write ``benchmarks/RESULTS.md``."""

from __future__ import annotations

import sys

from benchmarks.run import main

sys.exit(main())
