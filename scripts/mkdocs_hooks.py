"""mkdocs hook: publish ``benchmarks/results`` with the docs site.

The performance page shows the plots and links the reports that ``bash benchmarks/run``
writes to ``benchmarks/results/``. They stay there (one copy, next to the harness); this
hook adds them to the site as ``benchmarks/results/<name>``, so the page links them as
``benchmarks/results/scale-memo.png`` and ``mkdocs build --strict`` checks those links.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
PUBLISHED = (".png", ".md", ".txt", ".json")


def on_files(files: Files, config: Any) -> Files:
    for path in sorted(RESULTS.iterdir()):
        if path.suffix in PUBLISHED and path.is_file():
            files.append(File.generated(config, f"benchmarks/results/{path.name}", abs_src_path=str(path)))
    return files
