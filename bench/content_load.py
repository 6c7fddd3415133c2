"""Benchmark: load a large generated catalogue vs Python-Markdown alone on the same files.

Also: the sample content in this repository against Python-Markdown alone, and the
time to refuse pathological files (the render budget) against Python-Markdown
alone on the same file, stopped after --baseline-timeout seconds.

Run by hand: `.venv/bin/python bench/content_load.py [--courses 200 --steps 30 --scenarios 200 --nodes 40]`;
BENCH_COURSES / BENCH_SCENARIOS set other defaults, for a quick run on a smaller catalogue.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.content import load_catalog  # noqa: E402
from lms.content.markdown import RENDER_BUDGET_SECONDS, make_markdown  # noqa: E402

WORDS = ["member", "moderator", "listen", "support", "boundary", "feeling", "safe", "community", "reply", "thread", "post", "night", "risk", "lead", "shift", "kindly", "notice", "question", "reflect", "signpost", "helpline", "wellbeing", "care", "trust", "respect"]  # noqa: E501


def sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def step_file(rng: random.Random, c: int, s: int, steps: int) -> str:
    nxt = f"{s + 2:02d}-step-{s + 2}.md" if s + 1 < steps else f"{1:02d}-step-1.md"
    parts = [
        f"---\ntitle: Step {s + 1} of course {c}\ncontent_notes: [suicide]\n---\n",
        f"## Why it matters\n\n{paragraph(rng)}\n\n{paragraph(rng)} See [the next step]({nxt}#why-it-matters).\n",
        f"| Do | Don't |\n|:--|:--|\n| {sentence(rng, 5)} | {sentence(rng, 5)} |\n| *listen* | **judge** |\n",
        f"> {sentence(rng)}\n\n- {sentence(rng, 8)}\n- {sentence(rng, 8)}\n- {sentence(rng, 8)}\n",
        f"```question\n{sentence(rng)}\n\n- [ ] {sentence(rng, 8)}\n  > {sentence(rng)}\n"
        f"- [x] {sentence(rng, 8)}\n  > {sentence(rng)}\n- [ ] {sentence(rng, 8)}\n```\n",
        f"{paragraph(rng)}[^1]\n\n[^1]: {sentence(rng)}\n",
        f"```reflection\n{sentence(rng)}\n```\n\n{paragraph(rng, 4)}\n",
    ]
    return "\n".join(parts)


def scenario_file(rng: random.Random, i: int, nodes: int) -> str:
    ids = [f"node-{n}" for n in range(nodes)]
    endings = ids[-4:]
    out = [f"---\ntitle: Scenario {i}\nsummary: {sentence(rng)}\npass_score: 1\nendings:\n"
           f"  pass: [{endings[0]}, {endings[1]}]\n  fail: [{endings[2]}]\n  neutral: [{endings[3]}]\n---\n",
           f"{paragraph(rng)}\n"]
    for n, node in enumerate(ids):
        out.append(f"## {node}\nContent note: suicide\n\n> **member{n}** (02:{n % 60:02d}): {sentence(rng)}\n\n"
                   f"{paragraph(rng, 3)}\n")
        if node in endings:
            continue
        later = ids[n + 2 :]
        targets = [ids[n + 1]] + rng.sample(later, min(2, len(later)))  # every node reachable
        for k, target in enumerate(targets):
            ann = ["(+2)", "(-1, red line)", f"(+1, if {ids[0]})"][k]
            out.append(f"- [{sentence(rng, 7)}](#{target}) {ann}\n  > {sentence(rng)}\n")
    return "\n".join(out)


def generate(root: Path, courses: int, steps: int, scenarios: int, nodes: int) -> list[Path]:
    rng = random.Random(42)
    files = []
    for c in range(courses):
        folder = root / "courses" / f"course-{c}"
        folder.mkdir(parents=True)
        (folder / "course.md").write_text(f"---\ntitle: Course {c}\nsummary: {sentence(rng)}\n---\n{paragraph(rng)}\n")
        files.append(folder / "course.md")
        for s in range(steps):
            path = folder / f"{s + 1:02d}-step-{s + 1}.md"
            path.write_text(step_file(rng, c, s, steps))
            files.append(path)
    (root / "scenarios").mkdir()
    for i in range(scenarios):
        path = root / "scenarios" / f"scenario-{i}.md"
        path.write_text(scenario_file(rng, i, nodes))
        files.append(path)
    return files


def markdown_only(files: list[Path]) -> None:
    """The floor: Python-Markdown (same extensions) rendering every file's body once."""
    md = make_markdown()
    for path in files:
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            text = text[text.index("\n---\n", 4) + 5 :]
        md.reset()
        md.convert(text)


REPO = Path(__file__).resolve().parent.parent
PATHOLOGICAL = {
    "32 KB of backtick runs, no closers": ("`` ` ``` ` " * 3000)[: 32 * 1024],
    "32 KB of '[a '": "[a " * 11_000,
    "32 KB of 'x[^'": "x[^" * 11_000,
    "32 KB of '<a b=\"'": '<a b="' * 5_500,
}


def sample_content(rounds: int) -> None:
    """The repository's own sample content: load_catalog vs Python-Markdown alone."""
    files = sorted(p for top in ("courses", "scenarios") for p in (REPO / top).rglob("*.md"))
    catalog = load_catalog(REPO)
    assert not catalog.has_errors, catalog.errors[:5]
    load_times, floor_times = [], []
    for _ in range(rounds):
        load_times += timed(lambda: load_catalog(REPO), 1)
        floor_times += timed(lambda: markdown_only(files), 1)
    print(f"sample content ({len(files)} files): load_catalog median {statistics.median(load_times) * 1000:.1f} ms, "
          f"Markdown alone median {statistics.median(floor_times) * 1000:.1f} ms")


def _render_alone(text: str, took) -> None:
    md = make_markdown()
    started = time.perf_counter()
    md.convert(text)
    took.value = time.perf_counter() - started


def markdown_alone_capped(text: str, cap: float) -> str:
    """Python-Markdown alone on text, in a child process stopped after cap seconds."""
    context = multiprocessing.get_context("spawn")
    took = context.Value("d", -1.0)
    process = context.Process(target=_render_alone, args=(text, took))
    process.start()
    process.join(cap + 5)  # + time to start the process and import Markdown
    if process.is_alive():
        process.terminate()
        process.join()
    return f"{took.value:.2f} s" if 0 <= took.value <= cap else f"> {cap:.0f} s (stopped)"


def refusals(budget: float, cap: float) -> None:
    """Time for load_catalog to refuse each pathological step, beside Markdown alone on it."""
    print(f"pathological steps, render budget {budget:g} s:")
    for name, body in PATHOLOGICAL.items():
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            folder = root / "courses" / "slow"
            folder.mkdir(parents=True)
            (folder / "course.md").write_text("---\ntitle: Slow\nsummary: s\n---\nx\n")
            (folder / "01-step.md").write_text(body + "\n")
            started = time.perf_counter()
            catalog = load_catalog(root, render_budget=budget)
            took = time.perf_counter() - started
        refused = any("too long to render" in p.message for p in catalog.problems)
        print(f"  {name:36s} {'refused' if refused else 'loaded '} after {took:.2f} s; "
              f"Python-Markdown alone: {markdown_alone_capped(body, cap)}")


def cold_vs_warm(root: Path, rounds: int) -> None:
    """The app's load (lms.catalog) with an empty render cache next to one with the files unchanged.

    Each warm round is a new holder on the same cache folder: what a restart, HUP, new
    worker or `lms reload` with unchanged files costs. Target: warm <= 10% of cold.
    """
    import logging

    from lms.catalog.render_cache import DiskUnitCache
    from lms.catalog.services import CatalogHolder

    logging.getLogger("lms.catalog.services").setLevel(logging.WARNING)
    cold_times, warm_times = [], []
    with tempfile.TemporaryDirectory() as caches:
        for n in range(rounds):  # interleaved: a busy machine slows both sides alike
            folder = Path(caches) / f"round-{n}"
            def load(folder: Path = folder) -> None:
                CatalogHolder(root, False, cache=DiskUnitCache(folder, "bench")).reload()
            cold_times += timed(load, 1)  # an empty folder
            warm_times += timed(load, 1)  # the folder the cold load filled
        size = sum(f.stat().st_size for f in Path(caches).rglob("*") if f.is_file()) / rounds
    cold, warm = statistics.median(cold_times), statistics.median(warm_times)
    print(f"app load, render cache empty (cold) median {cold:.2f} s  "
          f"(rounds: {', '.join(f'{t:.2f}' for t in cold_times)})")
    print(f"app load, files unchanged (warm)    median {warm:.2f} s  "
          f"(rounds: {', '.join(f'{t:.2f}' for t in warm_times)})")
    print(f"warm / cold {warm / cold:.1%} (target <= 10%); cache on disk {size / 1e6:.0f} MB")


def timed(fn, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--courses", type=int, default=int(os.environ.get("BENCH_COURSES", "200")))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--scenarios", type=int, default=int(os.environ.get("BENCH_SCENARIOS", "200")))
    parser.add_argument("--nodes", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--budget", type=float, default=RENDER_BUDGET_SECONDS, help="render budget per file, seconds")
    parser.add_argument("--baseline-timeout", type=float, default=30,
                        help="stop Markdown alone on a pathological file after this")
    parser.add_argument("--cache-only", action="store_true", help="only the render cache: cold vs warm loads")
    args = parser.parse_args()
    if not args.cache_only:
        sample_content(args.rounds)
        refusals(args.budget, args.baseline_timeout)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = generate(root, args.courses, args.steps, args.scenarios, args.nodes)
        size = sum(p.stat().st_size for p in files)
        print(f"catalogue: {args.courses} courses x {args.steps} steps, {args.scenarios} scenarios x "
              f"{args.nodes} nodes; {len(files)} files, {size / 1e6:.1f} MB")
        catalog = load_catalog(root)
        errors = [p for p in catalog.problems if p.is_error]
        assert not errors, errors[:5]
        print(f"loaded {len(catalog.courses)} courses, {len(catalog.scenarios)} scenarios, "
              f"{len(catalog.problems)} problems")
        for problem in catalog.problems[:3]:
            print("  ", problem)
        cold_vs_warm(root, max(2, args.rounds // 2))
        if args.cache_only:
            return
        # Interleaved, so a busy machine slows both sides alike.
        load_times, floor_times = [], []
        for _ in range(args.rounds):
            load_times += timed(lambda: load_catalog(root), 1)
            floor_times += timed(lambda: markdown_only(files), 1)
        tracemalloc.start()
        kept = load_catalog(root)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del kept
        load_median, floor_median = statistics.median(load_times), statistics.median(floor_times)
        print(f"load_catalog   median {load_median:.2f} s  (rounds: {', '.join(f'{t:.2f}' for t in load_times)})")
        print(f"Markdown alone median {floor_median:.2f} s  (rounds: {', '.join(f'{t:.2f}' for t in floor_times)})")
        print(f"ratio {load_median / floor_median:.2f}x of medians, "
              f"{min(load_times) / min(floor_times):.2f}x of bests (target <= 1.5x)")
        print(f"memory: catalogue kept {current / 1e6:.0f} MB, peak during load {peak / 1e6:.0f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
