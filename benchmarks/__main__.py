"""Entry point: ``python -m benchmarks [--quick]`` (see benchmarks/README.md)."""

from benchmarks.driver import main

raise SystemExit(main())
