"""The event day end to end: plan, timetable, re-plan and printed pack, with their times.

    .venv/bin/python bench/bench_event_day.py [--seed S] [--render docs/img/pack_page.png]

Rooms, from one demo world (3,000 UMKM x 300 firms) and one model fitted on its history:

- the demo's signing event (196 UMKM x 56 firms, UMKM capacity 1, firms 2-8);
- the same event with UMKM capacity 3 (so UMKM have several meetings and the timetable is a
  real edge-colouring problem);
- 2,000 UMKM x 300 firms, UMKM capacity 2, firms their max_partners.

For each: plan time (scoring + optimal planner + reasons, as plan-event runs it), the
timetable without limits (slots used vs the lower bound: the largest number of meetings of
one participant), with tables for 60 % of the firms (bound max(Δ, ⌈meetings / tables⌉)),
and with availability windows (a quarter of the firms leave at 11:00, the day ends 15:00:
meetings placed, unplaceable ones reported), then a re-plan at the third slot with 3 firms
and 5 UMKM absent and 2 walk-in firms (time of the re-optimisation alone, and with the
scoring of the room). ``--render`` writes the pack of the first room and converts a sample
(summary, timetable by table, some agendas) with LibreOffice to PDF and one agenda page to
PNG (needs ``libreoffice-calc`` and ``poppler-utils``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import demo_files, load_average, timer  # noqa: E402
from matcher.event_pack import match_texts, write_pack  # noqa: E402
from matcher.ranking import MatchModel  # noqa: E402
from matcher.replan import replan_schedule  # noqa: E402
from matcher.schedule import Day, event_sides, schedule_plan  # noqa: E402
from matcher.service import MatchService  # noqa: E402

REPEAT = 3


def rooms(files, seed: int) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """(name, event, walk-ins) per room; walk-ins are two firms kept out of the event."""
    rng = np.random.default_rng(seed)
    seed_event = files.event
    firms = files.firms
    out = []
    for name, event, cap_u in (
        ("demo event 196x56", seed_event, 1),
        ("demo event 196x56, UMKM capacity 3", seed_event, 3),
    ):
        out.append(
            (
                name,
                event.assign(capacity=np.where(event["party"] == "umkm", cap_u, event["capacity"])),
            )
        )
    u = files.umkm["umkm_id"].to_numpy()[rng.permutation(len(files.umkm))[:2000]]
    big = pd.DataFrame(
        {
            "party": ["umkm"] * len(u) + ["firm"] * len(firms),
            "id": list(u) + firms["firm_id"].tolist(),
            "capacity": [2] * len(u) + firms["max_partners"].tolist(),
        }
    )
    out.append(("2,000 x 300, UMKM capacity 2", big))
    result = []
    for name, event in out:
        firm_rows = np.flatnonzero(event["party"] == "firm")
        walk = rng.choice(firm_rows, 2, replace=False)
        result.append(
            (
                name,
                event.drop(index=walk).reset_index(drop=True),
                event.loc[walk].reset_index(drop=True),
            )
        )
    return result


def windows(event: pd.DataFrame, rng) -> pd.DataFrame:
    firms = event.loc[event["party"] == "firm", "id"].to_numpy()
    early = rng.choice(firms, len(firms) // 4, replace=False)
    return pd.DataFrame({"party": "firm", "id": early, "from": 9 * 60, "to": 11 * 60})


def run_room(name, event, walk, service, files, seed, render: Path | None) -> list[str]:
    rng = np.random.default_rng(seed)
    with timer() as t_plan:
        plan = service.plan_event(event)
    solver = plan.attrs["plan_info"]["seconds"]
    rows = [
        f"| {name} | plan | {t_plan():.2f} s (planner {solver:.2f} s) | {len(plan):,} meetings | |"
    ]
    with timer() as t:
        sched, tt = schedule_plan(plan, event, Day(), umkm=files.umkm, firms=files.firms)
    rows.append(
        f"| | timetable, no limits | {t():.3f} s | {tt.slots_used} slots, lower bound "
        f"{tt.lower_bound}; {tt.info['method']} | {int(tt.placed.sum()):,} placed |"
    )
    n_tables = int(0.6 * event["party"].eq("firm").sum())
    with timer() as t:
        _, tt2 = schedule_plan(plan, event, Day(), tables=n_tables)
    rows.append(
        f"| | timetable, {n_tables} tables | {t():.3f} s | {tt2.slots_used} slots, lower "
        f"bound {tt2.lower_bound}; {tt2.info['table_moves']} table changes | "
        f"{int(tt2.placed.sum()):,} placed |"
    )
    avail = windows(event, rng)
    with timer() as t:
        _, tt3 = schedule_plan(plan, event, Day(end=15 * 60), availability=avail)
    rows.append(
        f"| | timetable, {len(avail)} firms leave 11:00, day ends 15:00 | {t():.3f} s | "
        f"{tt3.slots_used} slots; {tt3.info['method']} | {int(tt3.placed.sum()):,} "
        f"placed, {int((~tt3.placed).sum())} reported unplaceable |"
    )

    full = pd.concat([event, walk], ignore_index=True)
    u_ids, f_ids = event_sides(full)
    absent = list(rng.choice(event.loc[event["party"] == "firm", "id"], 3, replace=False)) + list(
        rng.choice(event.loc[event["party"] == "umkm", "id"], 5, replace=False)
    )
    now = int(Day().slots(3)[2, 0])
    with timer() as t_score:
        scores = service.score_matrix(u_ids, f_ids)
    best = np.inf
    for _ in range(REPEAT):  # the fastest of a few runs: the machine is shared
        new, info = replan_schedule(
            sched,
            full,
            scores,
            now,
            absent,
            umkm=files.umkm,
            firms=files.firms,
            explain=service.explain,
        )
        best = min(best, info["seconds"])
    info["seconds"] = best
    rows.append(
        f"| | re-plan at slot 3: 3 firms + 5 UMKM absent, 2 walk-in firms | "
        f"{info['seconds']:.3f} s (best of {REPEAT}; {info['solver']}) (+ {t_score():.2f} s scoring) | {info['held']} held, "
        f"{info['cancelled']} cancelled, {info['new']} new, {info['unchanged']} "
        f"unchanged | {info['candidates']:,} candidate pairs |"
    )
    if render is not None:
        rows.append(render_pack(new, files, render))
    return rows


def render_pack(schedule: pd.DataFrame, files, png: Path) -> str:
    """Whole pack timed; a sample (3 firms' meetings) converted to PDF, one agenda to PNG."""
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        with timer() as t:
            write_pack(
                schedule,
                d / "pack.xlsx",
                files.umkm,
                files.firms,
                title="Temu Bisnis UMKM – Investor (demo)",
            )
        busiest = schedule["firm_id"].value_counts().index[:3]
        sample = schedule.assign(match=match_texts(schedule)[0])  # ranks among all meetings
        sample = sample[sample["firm_id"].isin(busiest)]
        write_pack(
            sample,
            d / "sample.xlsx",
            files.umkm,
            files.firms,
            title="Temu Bisnis UMKM – Investor (demo)",
        )
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None or shutil.which("pdftoppm") is None:
            return f"| | printed pack | {t():.2f} s | (no LibreOffice/poppler: not rendered) | |"
        subprocess.run(
            [
                soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{d}/lo",
                "--convert-to",
                "pdf",
                "--outdir",
                str(d),
                str(d / "sample.xlsx"),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        pages = int(
            next(
                line.split()[-1]
                for line in subprocess.run(
                    ["pdfinfo", str(d / "sample.pdf")], capture_output=True, text=True, check=True
                ).stdout.splitlines()
                if line.startswith("Pages:")
            )
        )
        page = next(
            k
            for k in range(1, pages + 1)
            if "Agenda"
            in subprocess.run(
                ["pdftotext", "-f", str(k), "-l", str(k), str(d / "sample.pdf"), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        png.parent.mkdir(parents=True, exist_ok=True)
        # the top half of the page at 80 dpi: small enough to commit, large enough to read
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                str(page),
                "-l",
                str(page),
                "-W",
                "935",
                "-H",
                "330",
                "-singlefile",
                str(d / "sample.pdf"),
                str(png.with_suffix("")),
            ],
            check=True,
        )
        return (
            f"| | printed pack | {t():.2f} s for {schedule['firm_id'].nunique()} firm + "
            f"{schedule['umkm_id'].nunique()} UMKM agendas | sample page {page} of "
            f"{pages} -> {png} | |"
        )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--render",
        type=Path,
        metavar="PNG",
        help="also render a page of the printed pack to this PNG",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        files = demo_files(d, 3000, 300, args.seed)
    with timer() as t:
        model = MatchModel().fit(files.umkm, files.firms, files.outcomes)
    service = MatchService(model, files.umkm, files.firms)
    print(
        f"world 3,000 x 300, model fitted in {t():.1f} s; load average {load_average():.1f} "
        "(2 shared cores)\n"
    )
    print("| room | step | time | result | placed / notes |\n|---|---|---|---|---|")
    for k, (name, event, walk) in enumerate(rooms(files, args.seed)):
        for row in run_room(
            name, event, walk, service, files, args.seed, args.render if k == 0 else None
        ):
            print(row, flush=True)


if __name__ == "__main__":
    main()
