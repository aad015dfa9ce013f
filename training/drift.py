"""Population stability index (PSI): has the data drifted away from what the model saw?

PSI compares the share of rows falling in each bin of a feature at training time
(``expected``) and now (``actual``)::

    PSI = sum over bins of (actual% - expected%) * ln(actual% / expected%)

Usual reading: < 0.1 stable, 0.1-0.2 watch, >= 0.2 drifted (worth a retrain or a look at
the data feed). Numeric features use quantile bins of the training data, so every bin
holds about the same share at training time; values outside the training range fall in
the open-ended first/last bins. Missing values get a bin of their own, because a feed that
suddenly leaves a field empty is drift too. An empty bin would make the logarithm infinite,
so zero shares are replaced by a small epsilon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from matcher.atomic import write_atomic
from matcher.data.errors import MatcherError

WATCH_THRESHOLD = 0.1
DRIFT_THRESHOLD = 0.2
TOP_FEATURES = 15  # bars in the drift chart: the features that moved most
EPSILON = 1e-4
MISSING = "<missing>"


def psi(expected, actual, bins: int = 10, eps: float = EPSILON) -> float:
    """PSI of a numeric feature; bins are quantiles of ``expected``; NaN/inf form one more bin."""
    if bins < 2:
        raise ValueError("bins must be >= 2")
    e = np.asarray(expected, dtype=float).ravel()
    a = np.asarray(actual, dtype=float).ravel()
    _require_rows(e, a)
    e_ok, a_ok = np.isfinite(e), np.isfinite(a)
    if not e_ok.any():
        # No numeric reference to bin on: only the share of missing values can be compared.
        return _psi_from_counts(np.array([0, e.size]), np.array([a_ok.sum(), (~a_ok).sum()]), eps)
    # Interior quantile edges; duplicates (many equal values) collapse into one edge.
    edges = np.unique(np.quantile(e[e_ok], np.linspace(0, 1, bins + 1)[1:-1]))
    n_bins = edges.size + 1
    e_counts = np.bincount(np.searchsorted(edges, e[e_ok], side="right"), minlength=n_bins)
    a_counts = np.bincount(np.searchsorted(edges, a[a_ok], side="right"), minlength=n_bins)
    e_counts = np.append(e_counts, (~e_ok).sum())
    a_counts = np.append(a_counts, (~a_ok).sum())
    return _psi_from_counts(e_counts, a_counts, eps)


def psi_categorical(expected, actual, eps: float = EPSILON) -> float:
    """PSI of a categorical feature: one bin per category seen in either sample."""
    e = pd.Series(np.asarray(expected, dtype=object).ravel(), dtype=object)
    a = pd.Series(np.asarray(actual, dtype=object).ravel(), dtype=object)
    _require_rows(e, a)
    e_counts = e.fillna(MISSING).map(str).value_counts()
    a_counts = a.fillna(MISSING).map(str).value_counts()
    categories = e_counts.index.union(a_counts.index)
    return _psi_from_counts(
        e_counts.reindex(categories, fill_value=0).to_numpy(),
        a_counts.reindex(categories, fill_value=0).to_numpy(),
        eps,
    )


def drift_table(
    train_df: pd.DataFrame,
    current_df: pd.DataFrame,
    columns: list[str] | None = None,
    *,
    bins: int = 10,
    watch: float = WATCH_THRESHOLD,
    flag: float = DRIFT_THRESHOLD,
) -> pd.DataFrame:
    """PSI per column, worst first: columns ``feature, kind, psi, status, flagged``.

    ``columns`` defaults to the columns both frames share. Numbers and datetimes are
    binned by quantile; anything else is categorical, and tuple cells (KBLI codes,
    certifications) are exploded so each item counts. ``status`` is "stable", "watch"
    (psi >= ``watch``) or "drift" (psi >= ``flag``, also ``flagged=True``).
    """
    if columns is None:
        columns = [c for c in train_df.columns if c in set(current_df.columns)]
    for frame, name in ((train_df, "training data"), (current_df, "current data")):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise MatcherError(
                f"drift: column(s) {absent} missing from the {name}; "
                f"it has: {', '.join(map(str, frame.columns))}"
            )
    rows = []
    for col in columns:
        kind, before, after = _prepared(train_df[col], current_df[col])
        value = psi(before, after, bins) if kind == "numeric" else psi_categorical(before, after)
        rows.append((col, kind, value))
    table = pd.DataFrame(rows, columns=["feature", "kind", "psi"])
    table["psi"] = table["psi"].astype(float)
    table["status"] = np.select(
        [table["psi"] >= flag, table["psi"] >= watch], ["drift", "watch"], "stable"
    )
    table["flagged"] = table["psi"] >= flag
    return table.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)


def plot_drift(
    table: pd.DataFrame,
    path: str | Path,
    *,
    watch: float = WATCH_THRESHOLD,
    flag: float = DRIFT_THRESHOLD,
    title: str | None = None,
    top: int = TOP_FEATURES,
    lang: str | None = None,
) -> Path:
    """The ``top`` features by PSI of a :func:`drift_table` as a horizontal bar chart with
    the watch and drift thresholds, labelled in Indonesian (``lang``), as a PNG written
    atomically. The axis always reaches past the drift line, so small PSI values still
    show as bars beside it, and each bar carries its value."""
    # Figure + Agg canvas directly: no pyplot global state, no GUI backend needed.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from matcher.i18n import format_number, t

    colours = {"stable": "#4c9f70", "watch": "#e0a030", "drift": "#c8403a"}
    ranked = table.sort_values("psi", ascending=False, kind="stable")
    shown = ranked.head(top).iloc[::-1]  # worst at the top
    fig = Figure(figsize=(8, max(2.5, 0.4 * len(shown) + 1.6)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    psi_values = shown["psi"].to_numpy(dtype=float)
    ax.barh(
        shown["feature"].astype(str),
        psi_values,
        color=[colours.get(s, "grey") for s in shown["status"]],
    )
    right = max(flag * 1.5, float(np.nanmax(psi_values)) * 1.15 if len(shown) else 0.0)
    ax.set_xlim(0, right)
    for y, v in enumerate(psi_values):
        ax.text(v + right * 0.01, y, format_number(v, 3, lang=lang), va="center", fontsize=8)
    ax.axvline(
        watch,
        color=colours["watch"],
        linestyle="--",
        linewidth=1,
        label=t("drift.watch_line", lang, value=format_number(watch, 2, lang=lang)),
    )
    ax.axvline(
        flag,
        color=colours["drift"],
        linestyle="--",
        linewidth=1,
        label=t("drift.drift_line", lang, value=format_number(flag, 2, lang=lang)),
    )
    ax.set_xlabel(t("drift.axis", lang))
    heading = title or t("drift.title", lang)
    if len(ranked) > len(shown):
        heading += "\n" + t("drift.top_of", lang, shown=len(shown), total=len(ranked))
    ax.set_title(heading)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))


def _psi_from_counts(expected: np.ndarray, actual: np.ndarray, eps: float) -> float:
    e = expected / expected.sum()
    a = actual / actual.sum()
    e = np.where(e == 0, eps, e)
    a = np.where(a == 0, eps, a)
    return float(np.sum((a - e) * np.log(a / e)))


def _require_rows(expected, actual) -> None:
    if len(expected) == 0 or len(actual) == 0:
        raise MatcherError(
            "drift: cannot compare an empty sample "
            f"(expected has {len(expected)} rows, actual {len(actual)})"
        )


def _prepared(before: pd.Series, after: pd.Series) -> tuple[str, object, object]:
    """Decide numeric vs categorical and return the two samples ready for PSI."""
    if pd.api.types.is_bool_dtype(before.dtype):
        return "categorical", before.astype(object), after.astype(object)
    if pd.api.types.is_datetime64_any_dtype(before.dtype):
        return "numeric", _datetime_to_float(before), _datetime_to_float(after)
    if pd.api.types.is_numeric_dtype(before.dtype):
        return (
            "numeric",
            before.to_numpy(dtype=float, na_value=np.nan),
            after.to_numpy(dtype=float, na_value=np.nan),
        )
    if before.map(lambda v: isinstance(v, (tuple, list))).any():
        return "categorical", before.explode(), after.explode()
    return "categorical", before, after


def _datetime_to_float(s: pd.Series) -> np.ndarray:
    values = pd.to_datetime(s, utc=True).dt.tz_localize(None).astype("datetime64[ns]")
    out = values.to_numpy().astype("int64").astype(float)
    out[values.isna().to_numpy()] = np.nan
    return out
