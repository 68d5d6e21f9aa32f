"""Find the fenced code blocks of the docs and what each one's marker says to do with it.

A block is the sample; an HTML comment on the line just above it (invisible on the site)
is its marker:

- no marker, or ``<!-- sample: run -->``: a ``python`` block is executed (the blocks of one page
  run in order, in one namespace, in a Django test context); a ``json`` block is parsed;
  ``text`` blocks are diagrams or output, not samples.
- ``<!-- sample: manage -->``: each ``python manage.py ...`` line (an optional ``$`` prompt,
  a trailing ``# comment``) runs through ``call_command`` in a Django test context.
- ``<!-- sample: not run: REASON -->``: not executed; the reason is required.
- ``<!-- sample: write PATH -->`` / ``<!-- sample: append PATH -->``: a file of the page's
  project (the tutorial's), written or appended to in order.
- ``<!-- sample: shell NAME -->``: a shell step of the page's project, run in order.
- ``<!-- sample: server NAME -->``: a long-running server of the page's project.
- ``<!-- sample: demo -->``: a shell block run against the running demo
  (``tests/browser/test_readme_walk.py``).

Any other block (``sh``, ``nginx``, ``html``...) without a marker is an error: it would be a
sample that nothing checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_MARKER = re.compile(r"^\s*<!--\s*sample:\s*(?P<directive>.*?)\s*-->\s*$")
_ACTIONS = ("run", "not run", "manage", "write", "append", "shell", "server", "demo")
#: languages that are never samples (diagrams, program output, an HTTP exchange)
NOT_CODE = frozenset({"text", "http"})


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    action: str  # one of _ACTIONS, or "" when unmarked
    argument: str  # the reason, the file path or the shell/server name

    @property
    def where(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{self.line}"


def _parse_marker(text: str) -> tuple[str, str] | None:
    match = _MARKER.match(text)
    if not match:
        return None
    directive = match["directive"]
    for action in sorted(_ACTIONS, key=len, reverse=True):
        if directive == action or directive.startswith(action + " ") or directive.startswith(action + ":"):
            return action, directive[len(action) :].lstrip(": ").strip()
    return "invalid", directive


def blocks(path: Path) -> list[Block]:
    """Every fenced code block of a Markdown file, with its marker."""
    lines = path.read_text().splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        language = match["info"].strip().split(" ")[0].strip("{}.").lower()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence)
            and set(lines[i].strip()) == {fence[0]}
            and len(lines[i].strip()) >= len(fence)
        ):
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1  # the closing fence
        previous = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        action, argument = _parse_marker(previous) or ("", "")
        found.append(Block(path, start + 1, language, "\n".join(body) + "\n", action, argument))
    return found


def pages() -> list[Path]:
    """The Markdown sources of the site."""
    return sorted(DOCS.rglob("*.md"))
