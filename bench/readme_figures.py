"""The README's measured tables, regenerated from code so they cannot drift.

Prints each table the README shows between ``<!-- figures:NAME -->`` and
``<!-- /figures -->`` markers, computed on the default demo world. ``--write README.md``
puts them in place; ``--check README.md`` exits 1 when the README differs (CI runs it).

    .venv/bin/python bench/readme_figures.py                   # print
    .venv/bin/python bench/readme_figures.py --write README.md # update the README
    .venv/bin/python bench/readme_figures.py --check README.md # fail if out of date

Tables:
``heldout``  the time-split evaluation `matcher evaluate` prints on the default demo world
             (3,000 UMKM x 300 firms, seed 0; latest events held out, test share 0.2).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import demo_files  # noqa: E402

LABELS = {
    "model": "matcher",
    "facilitator_rule": "facilitator's rule",
    "tfidf_cosine": "TF-IDF cosine",
    "random": "random",
}
MARKER = re.compile(r"(<!-- figures:(\w+) -->\n)(.*?)(<!-- /figures -->)", re.S)


def heldout_table(
    n_umkm: int = 3000, n_firms: int = 300, seed: int = 0, test_share: float = 0.2
) -> str:
    """The held-out evaluation exactly as `matcher evaluate` computes it, as Markdown."""
    from matcher.ranking import MatchModel
    from training.evaluate import ModelScorer, evaluate_scorers, fit_baselines, time_split

    with tempfile.TemporaryDirectory() as d:
        files = demo_files(d, n_umkm, n_firms, seed)
    split = time_split(files.outcomes, test_share)
    model = MatchModel().fit(files.umkm, files.firms, split.train)
    scorers = {"model": ModelScorer(model), **fit_baselines(files.umkm, files.firms, split.train)}
    table = evaluate_scorers(scorers, files.umkm, files.firms, split)
    n = table.set_index(["method", "segment"])["n_umkm"]["model"]
    lines = [
        f"| held-out NDCG@10 | all ({n['all']} UMKM) | seen ({n['seen']}) | never seen "
        f"({n['unseen']}) | coverage | exposure Gini |",
        "|---|---|---|---|---|---|",
    ]
    for method, label in LABELS.items():
        rows = table[table["method"] == method].set_index("segment")
        name = f"**{label}**" if method == "model" else label
        lines.append(
            f"| {name} | {rows.at['all', 'ndcg@10']:.3f} | {rows.at['seen', 'ndcg@10']:.3f} | "
            f"{rows.at['unseen', 'ndcg@10']:.3f} | {rows.at['all', 'coverage']:.3f} | "
            f"{rows.at['all', 'gini']:.3f} |"
        )
    return "\n".join(lines) + "\n"


TABLES = {"heldout": heldout_table}


def render(text: str, tables: dict[str, str]) -> str:
    return MARKER.sub(lambda m: m.group(1) + tables.get(m.group(2), m.group(3)) + m.group(4), text)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", metavar="README", help="replace the marked tables in README")
    g.add_argument("--check", metavar="README", help="exit 1 when README's tables are out of date")
    args = p.parse_args(argv)
    tables = {name: make() for name, make in TABLES.items()}
    for name, table in tables.items():
        print(f"<!-- figures:{name} -->\n{table}<!-- /figures -->")
    target = args.write or args.check
    if not target:
        return 0
    text = Path(target).read_text(encoding="utf-8")
    missing = [n for n in tables if f"<!-- figures:{n} -->" not in text]
    if missing:
        print(f"{target}: no marker for {', '.join(missing)}", file=sys.stderr)
        return 1
    new = render(text, tables)
    if args.write:
        Path(target).write_text(new, encoding="utf-8")
        print(f"{target}: tables updated", file=sys.stderr)
        return 0
    if new != text:
        print(
            f"{target}: measured tables are out of date; run "
            f"`python bench/readme_figures.py --write {target}`",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
