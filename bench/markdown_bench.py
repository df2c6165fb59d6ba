"""Markdown rendering: the renderer before (Python-Markdown) against today's
(markdown-it-py, with the 30,000-character budget), both sanitised by nh3.

    python bench/markdown_bench.py [--explanations 2000]

Inputs: `[` repeated (quadratic in Python-Markdown; sizes kept small enough
for the old renderer to finish in seconds), the same at and over today's
render limit (today's renderer only), the longest real explanation and a
batch of real explanations from the shared exports (a synthetic document
when the exports are absent). Prints seconds per input; the machine's load
is printed too, since timings depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

import nh3  # noqa: E402

from interview.preview import (  # noqa: E402
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    MARKDOWN_RENDER_LIMIT,
    URL_SCHEMES,
    render_markdown,
)
from tests.support.shared_data import EXPORTS_DIR  # noqa: E402

OLD_RENDERER_SIZES = (2_000, 4_000)

ORDINARY = (
    "## Why\n\nA **closure** keeps its *scope*; see [MDN](https://developer.mozilla.org).\n\n"
    "- one\n- two\n\n| Name | Cost |\n|------|------|\n| a | 1 |\n\n```python\nprint(1)\n```\n\n"
)


def old_render(text: str) -> str:
    import markdown

    html = markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def real_explanations(limit: int) -> list[str]:
    found: list[str] = []
    for path in sorted((EXPORTS_DIR / "questions").rglob("*.json")) if EXPORTS_DIR.exists() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        items = data if isinstance(data, list) else data.get("questions", []) if isinstance(data, dict) else []
        found += [q["explanation"] for q in items if isinstance(q, dict) and isinstance(q.get("explanation"), str)]
    return found[:limit]


def seconds(render: Callable[[str], object], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        render(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--explanations", type=int, default=2000, help="real explanations in the batch")
    args = parser.parse_args()
    try:
        import markdown  # noqa: F401
        have_old = True
    except ImportError:
        have_old = False
        print("Python-Markdown is not installed (pip install Markdown): today's renderer only.")

    explanations = real_explanations(args.explanations)
    if explanations:
        longest = max(explanations, key=len)
        normal = [("longest real explanation", [longest]), (f"{len(explanations):,} real explanations", explanations)]
    else:
        normal = [("ordinary document x20", [ORDINARY * 20])]
    cases: list[tuple[str, list[str], bool]] = [(f"'[' x {n:,}", ["[" * n], True) for n in OLD_RENDERER_SIZES]
    cases += [
        (f"'[' x {MARKDOWN_RENDER_LIMIT:,} (at the limit)", ["[" * MARKDOWN_RENDER_LIMIT], False),
        ("'![' x 15,000 (at the limit)", ["![" * (MARKDOWN_RENDER_LIMIT // 2)], False),
        ("'[' x 1,000,000 (over: plain text)", ["[" * 1_000_000], False),
    ]
    cases += [(name, texts, True) for name, texts in normal]

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n")
    print(f"| {'input':<40} | {'chars':>10} | {'Python-Markdown s':>17} | {'markdown-it-py s':>16} |")
    print(f"|{'-' * 42}|{'-' * 12}|{'-' * 19}|{'-' * 18}|")
    for name, texts, run_old in cases:
        chars = sum(map(len, texts))
        old = f"{seconds(old_render, texts):.3f}" if run_old and have_old else "-"
        new = f"{seconds(render_markdown, texts):.3f}"
        print(f"| {name:<40} | {chars:>10,} | {old:>17} | {new:>16} |", flush=True)


if __name__ == "__main__":
    main()
