"""Read and validate the input kinds of the data contract into canonical frames.

``read_table`` turns a CSV / Parquet / Excel file into a frame of raw strings (nothing is
inferred, so KBLI ``01079`` keeps its leading zero). ``parse_umkm``, ``parse_firms``,
``parse_outcomes``, ``parse_followups`` and ``parse_event`` check every rule of the data contract (``docs/data.md``) on
such a frame — a file's or an API request body's — and return the canonical frame of
:mod:`matcher.data.schema`. They collect *every* problem before raising one
:class:`DataValidationError`; warnings ride on ``frame.attrs["warnings"]``.

Harmless variation is tolerated so that a spreadsheet round trip does not break a file:
surrounding whitespace, header case, vocabulary case, numbers written ``1500000.0``, IDs
that Excel turned into ``123.0`` (read as ``123``), dates carrying a midnight time
(``2024-03-01 00:00:00``), and fully blank rows (skipped; row numbers still count them).

Rows in problems are spreadsheet rows: header = 1, first data row = 2.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.data import certificates as certs
from matcher.data import lifecycle, parsing, rules
from matcher.data import reference as ref
from matcher.data.errors import DataValidationError, MatcherError, Problem, suffix_shown
from matcher.data.outcome_state import latest_per_pair  # noqa: F401  (one owner; re-exported)
from matcher.data.schema import (
    DECLINED_BY,
    DEFAULT_MAX_PARTNERS,
    EVENT_COLUMNS,
    FIRM_COLUMNS,
    FOLLOWUP_COLUMNS,
    INVESTMENT_TYPES,
    LEGAL_FORMS,
    MIN_CAPACITY,
    NIB_SCALES,
    OUTCOME_COLUMNS,
    PARTIES,
    SCALE_CAPITAL_LIMITS,
    SCALE_REVENUE_LIMITS,
    SCALES,
    STAGE_GRADE,
    UMKM_CAPACITY,
    UMKM_COLUMNS,
    VOCABULARY_ALIASES,
)
from matcher.i18n import Figure, Joined, Message

READERS = (".csv", ".parquet", ".xlsx")
# what a yes/no cell may say (lower-cased); shared with training.retrain's outcome markers
BOOLEANS = {
    "true": 1.0,
    "false": 0.0,
    "1": 1.0,
    "0": 0.0,
    "1.0": 1.0,
    "0.0": 0.0,
    "ya": 1.0,
    "tidak": 0.0,
    "yes": 1.0,
    "no": 0.0,
    "iya": 1.0,
    "y": 1.0,
    "benar": 1.0,
    "betul": 1.0,
    "ada": 1.0,
    "pernah": 1.0,
    "sudah": 1.0,
    "sdh": 1.0,
    "v": 1.0,
    "\u2713": 1.0,
    "\u221a": 1.0,
    "ok": 1.0,
    "tdk": 0.0,
    "n": 0.0,
    "salah": 0.0,
    "belum": 0.0,
    "blm": 0.0,
    "tidak ada": 0.0,
    "belum pernah": 0.0,
    "tidak pernah": 0.0,
    "-": 0.0,
    "nihil": 0.0,
}
_KNOWN_COLUMNS = (*UMKM_COLUMNS, *FIRM_COLUMNS, *OUTCOME_COLUMNS, *EVENT_COLUMNS)


# --------------------------------------------------------------------------- reading


def read_table(path: str | Path) -> pd.DataFrame:
    """File -> frame of stripped strings (empty cell = ""), by extension; MatcherError if unreadable."""
    return _as_text(_read_whole(path))


def _read_whole(path: str | Path) -> pd.DataFrame:
    """The file as one raw frame (the parsers' checker makes it text)."""
    return next(_read_parts(path, None))


_CSV_OPTIONS = dict(
    dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False, index_col=False
)  # a row longer than the header is refused, not shifted


def _read_parts(path: str | Path, rows: int | None) -> Iterator[pd.DataFrame]:
    """The file as raw frames of ``rows`` rows (None: one frame, the whole file).

    CSV and Parquet are read part by part; an Excel sheet is read whole and then cut. A
    file with a header and no rows gives one empty frame that still has its columns.
    Read failures are MatcherErrors naming the file.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in READERS:
        raise MatcherError(
            Message(
                "data.file.unsupported",
                path=str(path),
                ext=suffix_shown(path),
                choices=", ".join(READERS),
            )
        )
    if not path.is_file():
        raise MatcherError(Message("data.file.not_found", path=str(path)))
    size = path.stat().st_size
    if size > rules.FILE_MAX_BYTES:
        raise MatcherError(
            Message(
                "data.file.too_big",
                name=path.name,
                size=Figure(round(size / 2**20)),
                limit=Figure(rules.FILE_MAX_BYTES // 2**20),
            )
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        yield from _read_checked(path, ext, rows)


def _read_checked(path: Path, ext: str, rows: int | None) -> Iterator[pd.DataFrame]:
    try:
        if ext == ".csv":  # `;` (Excel in an Indonesian locale), tab or comma
            options = dict(_CSV_OPTIONS, sep=parsing.sniff_delimiter(path))
            options.update(_csv_header(path, options))
            yield from (
                [pd.read_csv(path, **options)]
                if rows is None
                else pd.read_csv(path, chunksize=rows, **options)
            )
        elif ext == ".xlsx":
            raw = _read_data_sheet(path)
            step = rows or max(len(raw), 1)
            yield from (raw.iloc[s : s + step] for s in range(0, max(len(raw), 1), step))
        elif rows is None:
            yield pd.read_parquet(path)
        else:
            import pyarrow.parquet as pq

            empty = True
            for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
                empty = False
                yield batch.to_pandas()
            if empty:
                yield pd.read_parquet(path)
    except pd.errors.ParserWarning as exc:
        raise MatcherError(
            Message("data.file.csv_extra_cells", path=str(path), reason=str(exc))
        ) from exc
    except UnicodeDecodeError as exc:
        raise MatcherError(
            Message("data.file.not_utf8", path=str(path), reason=exc.reason, byte=exc.start)
        ) from exc
    except MatcherError:  # already says what is wrong with the file (no data sheet)
        raise
    except Exception as exc:  # any parser failure is the file's fault, not ours
        raise MatcherError(
            Message("data.file.unreadable", path=str(path), kind=ext[1:], reason=str(exc))
        ) from exc


def _distinct_names(header: list) -> list[str]:
    """Header cells made distinct with trailing NULs, so a doubled column survives
    reading (pandas would rename it ``name.1``) and the checker reports it."""
    names: list[str] = []
    for i, cell in enumerate(header):
        name = "" if pd.isna(cell) else str(cell).strip()
        if not name:
            name = f"Unnamed: {i}"  # as pandas names it: an extra column, ignored
        while name.lower() in {n.lower() for n in names}:
            name += "\x00"
        names.append(name)
    return names


def _csv_header(path: Path, options: dict) -> dict:
    """read_csv options that keep a doubled header name visible (nothing when none is)."""
    head = pd.read_csv(path, header=None, nrows=1, **options)
    header = head.iloc[0].tolist() if len(head) else []
    names = _distinct_names(header)
    if names == [str(h) for h in header]:
        return {}
    return {"header": 0, "names": names}


def _read_data_sheet(path: Path) -> pd.DataFrame:
    """The workbook's data sheet: the first whose first row names known columns (a first
    sheet of instructions is passed over); MatcherError naming the sheets when none does."""
    sheets = pd.read_excel(
        path, sheet_name=None, header=None, dtype=str, keep_default_na=False, engine="openpyxl"
    )
    known = set(_KNOWN_COLUMNS)
    seen = []
    for name, sheet in sheets.items():
        header = sheet.iloc[0].tolist() if len(sheet) else []
        if sum(str(h).strip().lower() in known for h in header) >= 2:
            body = sheet.iloc[1:].reset_index(drop=True)
            body.columns = _distinct_names(header)
            return body
        first = ", ".join(str(h) for h in header[:5] if str(h).strip())
        seen.append(
            Message("data.file.sheet", name=name, first=first or Message("data.file.sheet_empty"))
        )
    raise MatcherError(
        Message("data.file.no_data_sheet", name=path.name, sheets=Joined(seen, "; "))
    )


def _as_text(raw: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a stripped string, missing as ""; header names stripped and lower-cased.

    A list or tuple cell (an API body's ``"kbli": ["10794", "13134"]``) becomes "10794;13134".
    """
    columns = {}
    index = pd.RangeIndex(len(raw))
    for i, col in enumerate(raw.columns):
        s = raw.iloc[:, i]
        name = str(col).strip().lower()
        while name in columns:  # keep duplicates visible to the checker ("each column once")
            name += "\x00"
        if isinstance(s.dtype, pd.StringDtype):  # a CSV read as text: no round trip via objects
            columns[name] = pd.Series(s.fillna("").str.strip().array, index=index)
            continue
        if s.dtype == object:
            s = s.map(lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        columns[name] = s.astype(object).where(s.notna(), "").astype(str).str.strip().to_numpy()
    out = pd.DataFrame(columns, index=index, dtype=str)
    out.columns = [c.rstrip("\x00") for c in out.columns]
    return out


# --------------------------------------------------------------------------- the checker


class _Checker:
    """Validates one raw frame column by column, collecting every problem.

    Each ``check`` method returns the parsed column (aligned with the kept rows) and records
    problems for its bad cells; ``finish`` raises them all at once.
    """

    def __init__(
        self,
        raw: pd.DataFrame,
        source: str,
        first_row: int = 2,
        seen_ids: dict[str, int] | None = None,
    ):
        """``first_row``: the spreadsheet row of ``raw``'s first row (a later chunk of a
        file starts further down). ``seen_ids``: IDs of earlier chunks, by row; this
        chunk's IDs are checked against them and added."""
        self.source = str(source)
        self.seen_ids = seen_ids
        self.first_row = first_row
        text = _as_text(raw)
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        seen: dict[str, int] = {}
        for col in text.columns:
            seen[col] = seen.get(col, 0) + 1
        for col, n in seen.items():
            if n > 1:
                self.errors.append(
                    Problem(self.source, 1, col, col, Message("data.rule.column_once"))
                )
        text = text.loc[:, ~text.columns.duplicated()]
        text = self._field_rules(text)
        blank = (text == "").all(axis=1) if len(text.columns) else pd.Series(True, index=text.index)
        self.rows = (np.arange(len(text)) + first_row)[~blank.to_numpy()]
        self.df = text[~blank.to_numpy()].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.df)

    def _field_rules(self, text: pd.DataFrame) -> pd.DataFrame:
        """Every cell against :mod:`matcher.data.rules` (no control characters, at most its
        column's length). A refused cell is reported and then cleaned, so the other checks
        neither trip over a NUL byte nor spend seconds on a 10 MB cell."""
        rows = np.arange(len(text)) + self.first_row
        for col in text.columns:
            s = text[col]
            problems = rules.text_problems(s, col)
            bad = problems.notna().to_numpy()
            if bad.any():
                self.errors.extend(
                    Problem(self.source, int(r), col, _shown(v), e)
                    for r, v, e in zip(rows[bad], s[bad], problems[bad])
                )
                text[col] = s.where(~bad, rules.cleaned(s, col))
        return text

    # ---- recording
    def _record(self, into: list[Problem], mask, column: str, expected, values=None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = self.col(column) if values is None else pd.Series(values, index=self.df.index)
        exp = expected if isinstance(expected, pd.Series) else None
        for i in np.flatnonzero(mask):
            into.append(
                Problem(
                    self.source,
                    int(self.rows[i]),
                    column,
                    vals.iat[i],
                    exp.iat[i] if exp is not None else expected,
                )
            )

    def fail(self, mask, column: str, expected, values=None) -> None:
        self._record(self.errors, mask, column, expected, values)

    def warn_once(self, mask, column: str, expected_for) -> None:
        """One warning per distinct bad value (at its first row, with a count), not per row."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = self.col(column)[mask]
        rows = self.rows[mask]
        firsts = ~vals.duplicated().to_numpy()
        counts = vals.value_counts()
        for v, r in zip(vals[firsts], rows[firsts]):
            self.warnings.append(
                Problem(self.source, int(r), column, v, _counted(expected_for(v), int(counts[v])))
            )

    def fail_grouped(self, mask, column: str, expected: str, values: pd.Series) -> None:
        """One error per distinct bad value (at its first row, with a count and the first
        rows), not one per row: 3,000 rows of an unknown UMKM are one line."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        vals = values[mask]
        rows = pd.Series(self.rows[mask], index=vals.index)
        for v, where in rows.groupby(vals.to_numpy(), sort=False):
            n = len(where)
            shown = ", ".join(map(str, where.iloc[:5])) + (", …" if n > 5 else "")
            self.errors.append(
                Problem(
                    self.source,
                    int(where.iloc[0]),
                    column,
                    v,
                    Message("data.rule.counted_rows", text=expected, n=n, rows=shown)
                    if n > 1
                    else expected,
                )
            )

    def term(self, column: str, kind: str) -> pd.Series:
        """Optional word of a lifecycle vocabulary (``stage``, ``scheme``, ``status``), in
        any of the spellings :mod:`matcher.data.lifecycle` knows; None when empty."""
        s = self.col(column)
        words = lifecycle.canonical(kind, s)
        self.fail(
            (s != "") & words.isna(),
            column,
            Message("data.rule.one_of", choices=lifecycle.describe(kind)),
        )
        return words.where(s != "", None)

    def warn_items(self, items: pd.Series, column: str, expected_for) -> None:
        """One warning per distinct item of list cells (tuples), at its first row, with a count."""
        flat = items.explode().dropna()
        if flat.empty:
            return
        rows = self.rows[self.df.index.get_indexer(flat.index)]
        counts = flat.value_counts()
        for v, r in zip(flat[~flat.duplicated().to_numpy()], rows[~flat.duplicated().to_numpy()]):
            self.warnings.append(
                Problem(self.source, int(r), column, v, _counted(expected_for(v), int(counts[v])))
            )

    # ---- columns
    def has(self, column: str) -> bool:
        return column in self.df.columns

    def col(self, column: str) -> pd.Series:
        if column in self.df.columns:
            return self.df[column]
        return pd.Series("", index=self.df.index, dtype=object)

    def require_columns(self, columns: Iterable[str]) -> None:
        for column in columns:
            if not self.has(column):
                self.errors.append(
                    Problem(
                        self.source,
                        None,
                        column,
                        "",
                        Message("data.rule.missing_column", column=column),
                    )
                )

    def required(self, column: str) -> pd.Series:
        """Non-empty text (missing column already reported)."""
        s = self.col(column)
        if self.has(column):
            self.fail(s == "", column, Message("data.rule.required"))
        return s

    def optional_text(self, column: str) -> pd.Series:
        return _none_where_empty(self.col(column))

    def ids(self, column: str) -> pd.Series:
        """Required, unique IDs; Excel's "123.0" is read as "123". A duplicate names the other rows."""
        s = excel_integer_text(self.required(column))
        dup = (s.duplicated(keep=False) & (s != "")).to_numpy()
        if dup.any():
            rows_of = pd.Series(self.rows[dup]).groupby(s[dup].to_numpy()).agg(list)
            expected = pd.Series("", index=s.index, dtype=object)
            for i in np.flatnonzero(dup):
                others = [r for r in rows_of[s.iat[i]] if r != self.rows[i]]
                expected.iat[i] = Message("data.rule.unique_id", rows=", ".join(map(str, others)))
            self.fail(dup, column, expected, values=s)
        if self.seen_ids is not None:
            self._unique_across_chunks(s, column)
        return s

    def _unique_across_chunks(self, s: pd.Series, column: str) -> None:
        seen = self.seen_ids
        earlier = s.map(seen).to_numpy()  # NaN where the id is new
        dup = pd.notna(earlier) & (s != "").to_numpy()
        if dup.any():
            expected = pd.Series("", index=s.index, dtype=object)
            for i in np.flatnonzero(dup):  # one by one: a list assignment would drop the Messages
                expected.iat[i] = Message("data.rule.unique_id", rows=str(int(earlier[i])))
            self.fail(dup, column, expected, values=s)
        new = (~dup) & (s != "").to_numpy()
        seen.update(zip(s[new].tolist(), self.rows[new].tolist()))

    def number(
        self,
        column: str,
        *,
        minimum: float | None = 0.0,
        integer: bool = False,
        maximum: float | None = None,
        rule: str | None = None,
    ) -> pd.Series:
        """Optional number (NaN when empty), read as offices write it (see
        :mod:`matcher.data.parsing`): "1.500.000", "1500000.0", "Rp 1,5 juta" in a money
        column (``*_idr``), "-7,15" in ``lat``/``lon``, "12 orang" for a count."""
        s = self.col(column)
        if column in ("lat", "lon"):
            plain = s.str.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?").to_numpy(dtype=bool)
            values = pd.Series(np.nan, index=s.index, dtype=float)
            if plain.any():  # "-7.15682" as float() reads it, by column
                values[plain] = s[plain].astype(float)
            if not plain.all():
                values[~plain] = parsing.map_unique(s[~plain], parsing.read_decimal).astype(float)
        else:
            period = _PERIODS.get(column)
            # plain figures ("917800000", "2010", "1500000.0") read as float() reads them,
            # by column; the rest once per distinct cell by parsing.read_number
            plain = s.str.fullmatch(r"[0-9]+(?:\.[0-9]{1,2})?").to_numpy(dtype=bool)
            values = pd.Series(np.nan, index=s.index, dtype=float)
            notes = pd.Series(None, index=s.index, dtype=object)
            if plain.any():
                values[plain] = s[plain].astype(float)
            if not plain.all():
                rest = s[~plain]
                read = parsing.map_unique(
                    rest,
                    lambda v: parsing.read_number(v, money=column.endswith("_idr"), period=period),
                )
                pairs = read.to_numpy(dtype=object)  # (value, note) per row
                values[~plain] = [p[0] for p in pairs]
                notes[~plain] = [p[1] for p in pairs]
            noted = notes.notna().to_numpy()
            if noted.any():
                note_of = dict(zip(s[noted], zip(notes[noted], values[noted])))
                self.warn_once(
                    noted,
                    column,
                    lambda v: Message(
                        "data.rule.figure_read", note=note_of[v][0], value=Figure(note_of[v][1])
                    ),
                )
        filled = (s != "").to_numpy()
        bad = filled & ~np.isfinite(values.to_numpy())
        implicit_max = integer and maximum is None  # integers fit their (32-bit) column
        if implicit_max:
            maximum = rules.INT32_MAX
        if integer:
            bad |= filled & np.isfinite(values.to_numpy()) & (values.to_numpy() % 1 != 0)
        if minimum is not None:
            bad |= filled & (values.to_numpy() < minimum)
        if maximum is not None:
            bad |= filled & (values.to_numpy() > maximum)
        if rule is None:
            kind = Message("data.rule.an_integer" if integer else "data.rule.a_number")
            examples = Message(
                "data.rule.example_money" if column.endswith("_idr") else "data.rule.example_number"
            )
            if implicit_max and minimum is not None:
                rule = Message(
                    "data.rule.number_min_max",
                    kind=kind,
                    min=f"{minimum:g}",
                    max=str(maximum),
                    examples=examples,
                )
            elif minimum is not None and maximum is not None:
                rule = Message(
                    "data.rule.number_range",
                    kind=kind,
                    min=f"{minimum:g}",
                    max=f"{maximum:g}",
                    examples=examples,
                )
            elif minimum is not None:
                rule = Message(
                    "data.rule.number_min", kind=kind, min=f"{minimum:g}", examples=examples
                )
            else:
                rule = Message("data.rule.number_any", kind=kind, examples=examples)
        self.fail(bad, column, rule)
        return values.where(~bad, np.nan)

    def vocabulary(
        self,
        column: str,
        allowed: tuple[str, ...],
        *,
        upper: bool = False,
        reader=None,
        also: str = "",
    ) -> pd.Series:
        """Optional choice from ``allowed`` (any case, spacing or punctuation), or one of
        the words offices write for it (``schema.VOCABULARY_ALIASES``: "perusahaan" is a
        firm, "usaha mikro" is mikro); None when empty. ``reader``: a custom
        value -> canonical function (stages); ``also``: examples of accepted words for
        the error text."""
        s = self.col(column)
        read = reader or parsing.vocabulary_reader(
            allowed, VOCABULARY_ALIASES.get(allowed, {}), upper=upper
        )
        norm = parsing.map_unique(s, read)
        bad = (s != "") & norm.isna()
        self.fail(
            bad,
            column,
            Message("data.rule.one_of_or", choices=", ".join(allowed), also=also)
            if also
            else Message("data.rule.one_of", choices=", ".join(allowed)),
        )
        return norm.astype(object).where((s != "") & ~bad, None)

    def certificates(self, column: str) -> pd.Series:
        """Certificate cells as written ("Halal MUI, SPP-IRT", "BPOM MD", "SNI 3556") ->
        tuples of canonical tokens (:mod:`matcher.data.certificates`). An item naming no
        known certificate is kept as written and warned about; one applied for or lapsed
        ("halal (proses)") is left out and warned about. Never an error."""
        s = self.col(column)
        readings = parsing.map_unique(s, certs.read_cell)
        self.warn_items(
            readings.map(lambda r: r.unknown),
            column,
            lambda v: Message("data.rule.cert_unknown", known=certs.known_summary()),
        )
        self.warn_items(
            readings.map(lambda r: r.guessed), column, lambda v: Message("data.rule.cert_guessed")
        )
        self.warn_items(
            readings.map(lambda r: r.not_held), column, lambda v: Message("data.rule.cert_not_held")
        )
        return readings.map(lambda r: r.tokens).astype(object)

    def boolean(self, column: str) -> pd.Series:
        s = self.col(column).str.lower().str.strip(" .!").str.replace(r"\s+", " ", regex=True)
        values = s.map(BOOLEANS)
        bad = (s != "") & values.isna()
        self.fail(bad, column, Message("data.rule.boolean"))
        return values.astype(float)

    def kbli(self, column: str, *, required: bool) -> pd.Series:
        """';'-separated KBLI codes (3 to 5 digits, any level) -> tuples of KBLI 2020 codes.

        A row's version is its ``kbli_version`` cell (2020 by default); without that column,
        a file whose codes only make sense as KBLI 2025 is read as 2025 (one warning). Codes
        of the other version are translated to 2020 through the derived correspondence, so
        features always compare codes within one version. Each *distinct* item is judged
        once; only bad items are then located by row.
        """
        s = self.required(column) if required else self.col(column)
        version = self.kbli_versions()
        clean = self._kbli_clean_file(s, version)
        if clean is not None:
            return clean
        lists = s.str.split(";")
        items = lists.explode().str.strip()
        items = items[items != ""]
        item_version = version.reindex(items.index)
        pairs = pd.Series(list(zip(items, item_version)), index=items.index, dtype=object)
        verdict = _judge_kbli_items(dict.fromkeys(pairs))
        result = pairs.map(lambda p: verdict[p][0])
        # messages stay Messages (a str-inferring map would turn them into plain English text)
        error = pd.Series([verdict[p][1] for p in pairs], index=pairs.index, dtype=object)
        warning = pd.Series([verdict[p][2] for p in pairs], index=pairs.index, dtype=object)
        bad = error.notna().to_numpy()
        if bad.any():
            pos = self.df.index.get_indexer(items.index[bad])
            self.errors.extend(
                Problem(self.source, int(self.rows[p]), column, v, r)
                for p, v, r in zip(pos, items[bad], error[bad])
            )
        warn = warning.notna().to_numpy() & ~bad
        if warn.any():
            first = ~items[warn].duplicated().to_numpy()
            counts = items[warn].value_counts()
            pos = self.df.index.get_indexer(items.index[warn][first])
            for p, v, r in zip(pos, items[warn][first], warning[warn][first]):
                self.warnings.append(
                    Problem(self.source, int(self.rows[p]), column, v, _counted(r, int(counts[v])))
                )
        per_row: dict[object, list[str]] = {}
        for idx, codes in zip(result.index[~bad], result[~bad]):
            per_row.setdefault(idx, []).extend(codes)
        return pd.Series(
            [tuple(dict.fromkeys(per_row.get(i, ()))) for i in self.df.index],
            index=self.df.index,
            dtype=object,
        )

    def _kbli_clean_file(self, s: pd.Series, version: pd.Series) -> pd.Series | None:
        """:meth:`kbli`'s answer computed once per distinct (cell, version), when no item
        of the column has an error or a warning (a large file's usual case: few distinct
        cells); None otherwise, and the item-by-item path locates every problem by row."""
        row_keys = list(zip(s.to_numpy(dtype=object).tolist(), version.to_numpy().tolist()))
        items_of = {
            key: [(item, key[1]) for item in (p.strip() for p in key[0].split(";")) if item]
            for key in dict.fromkeys(row_keys)
        }
        verdict = _judge_kbli_items(dict.fromkeys(p for items in items_of.values() for p in items))
        if any(error is not None or warning is not None for _, error, warning in verdict.values()):
            return None
        codes_of = {
            key: tuple(dict.fromkeys(code for p in items for code in verdict[p][0]))
            for key, items in items_of.items()
        }
        return pd.Series([codes_of[k] for k in row_keys], index=self.df.index, dtype=object)

    def kbli_versions(self) -> pd.Series:
        """Each row's KBLI version: its ``kbli_version`` cell, else the file's (detected once)."""
        if getattr(self, "_kbli_versions", None) is not None:
            return self._kbli_versions
        default = ref.KBLI_DEFAULT_VERSION
        if self.has("kbli_version"):
            cell = excel_integer_text(self.col("kbli_version")).str.replace(
                r"(?i)^kbli\s*", "", regex=True
            )
            known = cell.isin([str(v) for v in ref.KBLI_VERSIONS])
            self.fail((cell != "") & ~known, "kbli_version", Message("reference.kbli.version_rule"))
            version = cell.where(known, str(default)).astype(int)
        else:
            cells = dict.fromkeys(  # split each distinct cell once, items in reading order
                cell for c in ("kbli", "needed_kbli") if self.has(c) for cell in self.col(c)
            )
            items = pd.Series(
                [item.strip() for cell in cells for item in cell.split(";")], dtype=object
            )
            distinct = pd.unique(excel_integer_text(items).to_numpy(dtype=object))
            other = ref.kbli_detect_version(distinct, default)
            if other is not None:
                only = [
                    c
                    for c in distinct
                    if ref.kbli_exists(c, other) and not ref.kbli_exists(c, default)
                ]
                self.warnings.append(
                    Problem(
                        self.source,
                        None,
                        "kbli",
                        "",
                        Message(
                            "reference.kbli.file_version",
                            other=other,
                            examples=", ".join(sorted(only)[:3]),
                        ),
                    )
                )
            version = pd.Series(other or default, index=self.df.index, dtype=int)
        self._kbli_versions = version
        return version

    def location(self) -> dict[str, pd.Series]:
        """province (required), regency, lat, lon -> the canonical location columns."""
        prov_raw = self.required("province")
        codes = ref.province_codes(prov_raw)
        unknown = (prov_raw != "") & codes.isna()
        if unknown.any():
            expected = pd.Series(
                [_province_expectation(v) for v in prov_raw[unknown]],
                index=prov_raw[unknown].index,
                dtype=object,
            )
            self.fail(unknown, "province", expected.reindex(self.df.index))
        names = ref.lookup_column(codes, "provinces", "name").astype(object)

        lat = self.number("lat", minimum=-11.5, maximum=6.5, rule=Message("data.rule.latitude"))
        lon = self.number("lon", minimum=94.5, maximum=141.5, rule=Message("data.rule.longitude"))
        lat_given, lon_given = self.col("lat") != "", self.col("lon") != ""
        self.fail(lat_given & ~lon_given, "lon", Message("data.rule.lon_too"))
        self.fail(lon_given & ~lat_given, "lat", Message("data.rule.lat_too"))

        reg_raw = self.col("regency")
        resolved = ref.resolve_regencies(reg_raw, codes.where(codes.notna(), None), lat, lon)
        reg_codes = resolved["code"]
        lost = (reg_raw != "") & codes.notna() & (resolved["candidates"].map(len) == 0)
        if lost.any():  # named under the province it left in a split ("Papua, Merauke")
            pair = list(zip(reg_raw[lost], codes[lost]))
            moved_of = {k: ref.moved_regency(*k) for k in dict.fromkeys(pair)}
            found = pd.Series(
                [(moved_of[k] or (None,))[0] for k in pair], index=reg_raw[lost].index, dtype=object
            )
            found = found[found.notna()]
            if len(found):
                moved = pd.Series(False, index=self.df.index)
                moved[found.index] = True
                note = {
                    v: (f, names[i]) for i, v, f in zip(found.index, reg_raw[found.index], found)
                }
                reg_codes = reg_codes.astype(object).copy()
                reg_codes[found.index] = found
                codes = codes.astype(object).copy()
                codes[found.index] = found.str[:2]
                names = names.copy()
                names[found.index] = codes[found.index].map(ref.province_name)
                self.warn_once(
                    moved,
                    "regency",
                    lambda v: Message(
                        "reference.regency.moved",
                        regency=ref.regency_name(note[v][0]),
                        old=note[v][1],
                        new=ref.province_name(note[v][0][:2]),
                        year=ref.FORMER_PROVINCE[note[v][0][:2]][1],
                    ),
                )
        twins = (reg_raw != "") & reg_codes.isna() & (resolved["candidates"].map(len) > 1)
        unrecognised = (reg_raw != "") & reg_codes.isna() & codes.notna() & ~twins
        if unrecognised.any():
            prov_of = dict(zip(reg_raw[unrecognised], codes[unrecognised]))
            self.warn_once(unrecognised, "regency", lambda v: _regency_expectation(v, prov_of[v]))
        if twins.any():
            cands_of = dict(zip(reg_raw[twins], resolved["candidates"][twins]))
            self.warn_once(
                twins,
                "regency",
                lambda v: Message(
                    "reference.regency.ambiguous",
                    names=_either(ref.regency_name(c) for c in cands_of[v]),
                ),
            )
        reg_names = ref.lookup_column(reg_codes, "regencies", "name").astype(object)
        reg_names = reg_names.where(reg_codes.notna(), None)

        r_lat, r_lon = (ref.lookup_column(reg_codes, "regencies", c) for c in ("lat", "lon"))
        # an ambiguous twin (Kabupaten/Kota Malang): the point between the two
        r_lat = r_lat.where(~twins, ref.candidates_point(resolved["candidates"], "lat"))
        r_lon = r_lon.where(~twins, ref.candidates_point(resolved["candidates"], "lon"))
        p_lat, p_lon = (ref.lookup_column(codes, "provinces", c) for c in ("lat", "lon"))
        exact = lat.notna() & lon.notna()
        at_regency = ~exact & r_lat.notna()
        precision = np.where(exact, "exact", np.where(at_regency, "regency", "province"))
        return {
            "province": names,
            "province_code": codes.where(codes.notna(), None).astype(object),
            "regency": reg_names.astype(object),
            "regency_code": reg_codes.astype(object),
            "lat": lat.where(exact, r_lat.where(at_regency, p_lat)).astype(float),
            "lon": lon.where(exact, r_lon.where(at_regency, p_lon)).astype(float),
            "location_precision": pd.Series(precision, index=self.df.index, dtype=object),
        }

    def raise_errors(self) -> None:
        """Raise every error found so far, in reading order (row, then column order)."""
        if self.errors:
            order = {c: i for i, c in enumerate(self.df.columns)}
            self.errors.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
            raise DataValidationError(self.errors)

    def finish(self, frame: pd.DataFrame) -> pd.DataFrame:
        self.raise_errors()
        frame.attrs["warnings"] = list(self.warnings)
        return frame


def _shown(value: str, width: int = 80) -> str:
    """A refused cell as a message shows it: control characters escaped, long text cut."""
    text = (
        value[:width].encode("unicode_escape").decode("ascii")
        if rules.text_problem(value[:width], max_len=width)
        else value[:width]
    )
    return text + (f"… ({len(value)} characters)" if len(value) > width else "")


# the period a money column counts in, for "Rp 10 juta/bulan" in an annual column
_PERIODS = {"annual_revenue_idr": "year", "monthly_capacity_idr": "month"}


def _none_where_empty(s: pd.Series) -> pd.Series:
    """Text column as object dtype with None for empty cells (the canonical "str|None")."""
    return s.astype(object).where(s != "", None)


def excel_integer_text(s: pd.Series) -> pd.Series:
    """ "123.0" -> "123" (Excel/Parquet turned a number-like text cell into a float)."""
    return s.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


_EXCEL_INTEGER = re.compile(r"^([0-9]+)\.0+\Z")  # as excel_integer_text's, for one string


def _judge_kbli_items(items: Iterable[tuple[str, int]]) -> dict:
    """Distinct (raw item, version) pairs -> ``{pair: (codes, error, warning)}``: the KBLI
    2020 codes the item stands for, and the error / warning text (None when there is none)."""
    out = {}
    engine = ref.KBLI_DEFAULT_VERSION
    for pair in items:
        raw, version = pair
        code = _EXCEL_INTEGER.sub(r"\1", raw)  # excel_integer_text of one item
        code = re.sub(r"(?i)^kbli\s*", "", code).strip()
        other = next(v for v in ref.KBLI_VERSIONS if v != version)
        codes, error, warning = (), None, None
        if not re.fullmatch(r"\d{2,5}", code):
            error = Message("reference.kbli.rule")
        elif len(code) == 2:
            title = ref.kbli_title(code, version) or ref.kbli_title(code, other) or "?"
            error = Message("reference.kbli.too_broad", code=code, title=title)
        elif (
            version != engine
            and ref.kbli_exists(code, engine)
            and not ref.kbli_exists(code, version)
        ):
            codes = (code,)  # declared 2025 but a 2020-only code: the engine's own version
        elif ref.kbli_exists(code, version):
            codes = (code,) if version == engine else ref.kbli_translate(code, version, engine)
            if version != engine and not codes:
                warning = Message(
                    "reference.kbli.untranslated",
                    version=engine,
                    other=version,
                    code=code,
                    title=ref.kbli_title(code, version),
                )
        elif len(code) == 4 and ref.kbli_exists("0" + code, version):
            error = Message("reference.kbli.lost_zero", suggestion="0" + code)
        elif version == engine and ref.kbli_legacy(code) is not None:
            title, codes = ref.kbli_legacy(code)
            warning = Message(
                "reference.kbli.legacy",
                version=version,
                code=code,
                title=title,
                targets=", ".join(f"{c} ({ref.kbli_title(c, version)})" for c in codes),
            )
        elif ref.kbli_exists(code, other):
            codes = ref.kbli_translate(code, other, version) if version == engine else ()
            key = "reference.kbli.translated" if codes else "reference.kbli.untranslated"
            warning = Message(
                key,
                version=version,
                other=other,
                code=code,
                title=ref.kbli_title(code, other),
                targets=", ".join(codes),
            )
        else:
            near = ref.kbli_suggest(code, version)
            hint = (
                Message(
                    "reference.kbli.hint",
                    codes=", ".join(f"{c} ({ref.kbli_title(c, version)})" for c in near),
                )
                if near
                else ""
            )
            error = Message("reference.kbli.unknown", version=version, code=code, hint=hint)
        out[pair] = (codes, error, warning)
    return out


def _counted(expected, n: int):
    """An expectation reported once for ``n`` rows: with the count when more than one."""
    return Message("data.rule.counted", text=expected, n=n) if n > 1 else expected


def _either(names) -> Message | str:
    """ "A or B" (or "A or B or C") in the reader's language."""
    names = list(names)
    out = names[-1]
    for name in reversed(names[:-1]):
        out = Message("data.list.or2", a=name, b=out)
    return out


def _closest(names) -> Message | str:
    return Message("data.rule.closest", names=", ".join(names)) if names else ""


def _province_expectation(value: str) -> Message:
    return Message("data.rule.province", hint=_closest(ref.closest_provinces(value)))


def _regency_expectation(value: str, province_code: str) -> Message:
    return Message(
        "data.rule.regency",
        province=ref.province_name(province_code),
        hint=_closest(ref.closest_regencies(value, province_code)),
    )


def _frame(columns: tuple[str, ...], data: dict[str, pd.Series], n: int) -> pd.DataFrame:
    """Canonical column order; text as object dtype, so every text column behaves alike."""
    frame = pd.DataFrame(
        {
            c: data[c].astype(object) if pd.api.types.is_string_dtype(data[c].dtype) else data[c]
            for c in columns
        }
    )
    frame.index = pd.RangeIndex(n)
    return frame


# --------------------------------------------------------------------------- parsers


def parse_umkm(
    raw: pd.DataFrame, source: str, *, first_row: int = 2, seen_ids: dict[str, int] | None = None
) -> pd.DataFrame:
    """Raw UMKM table -> canonical UMKM frame (``schema.UMKM_COLUMNS``).

    ``first_row`` and ``seen_ids`` are for a file read in chunks (see :func:`iter_umkm`)."""
    c = _Checker(raw, source, first_row=first_row, seen_ids=seen_ids)
    c.require_columns(("umkm_id", "name", "kbli", "products", "province"))
    data: dict[str, pd.Series] = {
        "umkm_id": c.ids("umkm_id"),
        "name": c.required("name"),
        "nib": _nib(c),
        "kbli": c.kbli("kbli", required=True),
        "products": c.required("products"),
        **c.location(),
        "employees": c.number("employees", integer=True),
        "monthly_capacity_idr": c.number("monthly_capacity_idr"),
        "certifications": c.certificates("certifications"),
        "year_founded": c.number(
            "year_founded", minimum=1900, maximum=_dt.date.today().year, integer=True
        ),
        "export_experience": c.boolean("export_experience"),
    }
    revenue = c.number("annual_revenue_idr")
    capital = c.number("modal_usaha_idr")
    data["annual_revenue_idr"] = revenue
    data["modal_usaha_idr"] = capital
    data["scale"], data["nib_scale"] = _scale(c, revenue, capital)
    data["legal_form"] = _legal_form(c)
    return c.finish(_frame(UMKM_COLUMNS, data, len(c)))


def _nib(c: _Checker) -> pd.Series:
    s = excel_integer_text(c.col("nib"))
    bad = (s != "") & ~s.str.fullmatch(r"\d{13}")
    sci = s.str.contains(r"[eE]\+", regex=True)
    expected = pd.Series([Message("data.rule.nib")] * len(s), index=s.index, dtype=object)
    expected[sci] = Message("data.rule.nib_scientific")
    c.fail(bad, "nib", expected, values=c.col("nib"))
    return _none_where_empty(s)


def _derived_scale(amount: pd.Series, limits) -> pd.Series:
    """PP 7/2021 class of an amount (None when unknown or above the menengah limit)."""
    derived = pd.Series(None, index=amount.index, dtype=object)
    lower = -np.inf
    for label, limit in limits:
        derived[(amount > lower) & (amount <= limit)] = label
        lower = limit
    return derived


_PP7 = {
    column: Message(f"data.rule.pp7.{column}")
    for column in ("annual_revenue_idr", "modal_usaha_idr")
}


def _scale(c: _Checker, revenue: pd.Series, capital: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(scale, nib_scale). The scale is the one given, else the NIB's, else derived from
    revenue, else from capital (PP 7/2021). A stated scale that disagrees with revenue or
    capital, a NIB scale that disagrees with the stated one, and amounts above the
    UMKM limits are warnings: the facilitator decides which figure is wrong."""
    given = c.vocabulary("scale", SCALES)
    nib_scale = c.vocabulary("nib_scale", NIB_SCALES)
    by = {
        "annual_revenue_idr": _derived_scale(revenue, SCALE_REVENUE_LIMITS),
        "modal_usaha_idr": _derived_scale(capital, SCALE_CAPITAL_LIMITS),
    }
    for column, amount, limits in (
        ("annual_revenue_idr", revenue, SCALE_REVENUE_LIMITS),
        ("modal_usaha_idr", capital, SCALE_CAPITAL_LIMITS),
    ):
        too_big = (amount > limits[-1][1]).to_numpy()
        c._record(
            c.warnings,
            too_big,
            column,
            Message(
                "data.rule.scale_too_big", limit=f"{limits[-1][1] / 1e9:.0f}", law=_PP7[column]
            ),
        )
    nib_umkm = nib_scale.where(nib_scale.isin(SCALES), None)
    stated = given.where(given.notna(), nib_umkm)
    for column, derived in by.items():
        clash = (stated.notna() & derived.notna() & (stated != derived)).to_numpy()
        # one Message per distinct derived class, not per row (rendering one costs ~10 µs)
        clash_of = {
            d: Message("data.rule.scale_clash", column=column, derived=d, law=_PP7[column])
            for d in pd.unique(derived.fillna("").to_numpy(dtype=object))
        }
        expected = pd.Series(
            [clash_of[d] for d in derived.fillna("").to_numpy(dtype=object)],
            index=derived.index,
            dtype=object,
        )
        from_given = given.notna().to_numpy()
        c._record(c.warnings, clash & from_given, "scale", expected, values=stated)
        c._record(c.warnings, clash & ~from_given, "nib_scale", expected, values=stated)
    both = (given.notna() & nib_scale.notna() & (given != nib_scale)).to_numpy()
    c._record(
        c.warnings,
        both,
        "nib_scale",
        _per_value(given.fillna(""), lambda g: Message("data.rule.scale_twice", given=g)),
    )
    nib_large = (nib_scale == "besar").to_numpy()
    c._record(c.warnings, nib_large, "nib_scale", Message("data.rule.nib_large"))
    scale = stated
    for derived in by.values():
        scale = scale.where(scale.notna(), derived)
    return scale.astype(object).where(scale.notna(), None), nib_scale


def _per_value(values: pd.Series, make) -> pd.Series:
    """``make(v)`` for each row's value, made once per distinct value (an object Series:
    Messages stay Messages)."""
    arr = values.to_numpy(dtype=object)
    made = {v: make(v) for v in pd.unique(arr)}
    return pd.Series([made[v] for v in arr], index=values.index, dtype=object)


_FORM_OF_FIRST_WORD = {
    "pt": "pt",
    "cv": "cv",
    "ud": "perorangan",
    "koperasi": "koperasi",
    "kop": "koperasi",
    "kub": "kub",
}


def _legal_form(c: _Checker) -> pd.Series:
    """legal_form as written ("CV", "Perseroan Terbatas", "UD", "Koperasi Serba Usaha"),
    else read from the name ("CV Maju Jaya", "KUB Garam Rakyat"); an unknown form is a
    warning (the column is informative, not worth refusing a file for)."""
    read = parsing.vocabulary_reader(LEGAL_FORMS, VOCABULARY_ALIASES[LEGAL_FORMS])

    def form(value: str) -> str | None:
        hit = read(value)
        if hit is None and "koperasi" in parsing.fold_word(value).split():
            return "koperasi"
        return hit

    s = c.col("legal_form")
    written = parsing.map_unique(s, form)
    c.warn_once(
        ((s != "") & written.isna()).to_numpy(),
        "legal_form",
        lambda v: Message("data.rule.legal_form", forms=", ".join(LEGAL_FORMS)),
    )
    name = c.col("name")
    # only a name starting like one of the words can start with one: split just those
    maybe = name.str.lower().str.match(r"(?:pt|cv|ud|kop|kub)").to_numpy(dtype=bool)
    from_name = pd.Series(np.nan, index=name.index, dtype=object)
    if maybe.any():
        first_word = (
            name[maybe].str.split(n=1).str[0].astype(object).fillna("").str.rstrip(".").str.lower()
        )
        from_name[maybe] = first_word.map(_FORM_OF_FIRST_WORD)
    out = written.where(s != "", from_name)
    return out.astype(object).where(out.notna(), None)


def parse_firms(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """Raw firm table -> canonical firm frame (``schema.FIRM_COLUMNS``)."""
    c = _Checker(raw, source)
    c.require_columns(("firm_id", "name", "investment_type", "needs", "province"))
    c.required("investment_type")
    invest = c.vocabulary("investment_type", INVESTMENT_TYPES, upper=True)
    max_partners = c.number("max_partners", minimum=1, integer=True)
    data = {
        "firm_id": c.ids("firm_id"),
        "name": c.required("name"),
        "investment_type": invest,
        "country": c.optional_text("country"),
        "kbli": c.kbli("kbli", required=False),
        "needs": c.required("needs"),
        "needed_kbli": c.kbli("needed_kbli", required=False),
        **c.location(),
        "required_certifications": c.certificates("required_certifications"),
        "preferred_scale": c.vocabulary("preferred_scale", SCALES),
        "budget_idr": c.number("budget_idr"),
        "max_partners": max_partners.fillna(DEFAULT_MAX_PARTNERS).astype(np.int64),
    }
    return c.finish(_frame(FIRM_COLUMNS, data, len(c)))


def parse_outcomes(
    raw: pd.DataFrame,
    source: str,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    *,
    latest_only: bool = True,
) -> pd.DataFrame:
    """Raw outcomes -> canonical outcomes (``schema.OUTCOME_COLUMNS``).

    ``latest_only`` (training's view): one row per pair, the latest date wins (ties: the
    later row; :func:`matcher.data.outcome_state.latest_per_pair` owns the rule). Without it every row is kept in file order (the store's import keeps the
    whole ladder of a pair). When ``umkm`` / ``firms`` canonical frames are given, every
    pair must exist in them; each missing ID is reported once, with its row count.
    Files in the contract's first form (no ``scheme`` / ``realised_value_idr``) still load.
    """
    c = _Checker(raw, source)
    c.require_columns(("umkm_id", "firm_id", "stage", "date"))
    umkm_id = excel_integer_text(c.required("umkm_id"))
    firm_id = excel_integer_text(c.required("firm_id"))
    _known_ids(c, umkm_id, "umkm_id", umkm, "UMKM")
    _known_ids(c, firm_id, "firm_id", firms, "firm")
    c.required("stage")
    stage = c.term("stage", "stage")
    c.required("date")
    date = _iso_dates(c, "date")
    data = {
        "umkm_id": umkm_id,
        "firm_id": firm_id,
        "stage": stage,
        "grade": stage.map(STAGE_GRADE),
        "contract_value_idr": c.number("contract_value_idr"),
        "date": date,
        "event_id": c.optional_text("event_id"),
        "declined_by": c.vocabulary("declined_by", DECLINED_BY),
        "scheme": c.term("scheme", "scheme"),
        "realised_value_idr": c.number("realised_value_idr"),
    }
    frame = _frame(OUTCOME_COLUMNS, data, len(c))
    c.raise_errors()
    frame["grade"] = frame["grade"].astype(np.int64)
    if latest_only:
        frame = latest_per_pair(frame)
    else:
        frame.attrs["rows"] = c.rows.tolist()  # spreadsheet row of each frame row
    return c.finish(frame)


def _known_ids(
    c: _Checker, ids: pd.Series, column: str, profiles: pd.DataFrame | None, label: str
) -> None:
    """IDs not in ``profiles`` (when given): one error per missing ID, with its row count."""
    if profiles is not None:
        c.fail_grouped(
            (ids != "") & ~ids.isin(profiles[column]),
            column,
            Message(
                "data.rule.known_umkm" if label == "UMKM" else "data.rule.known_firm", column=column
            ),
            ids,
        )


def parse_followups(
    raw: pd.DataFrame,
    source: str,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Raw follow-ups -> canonical follow-up frame (``schema.FOLLOWUP_COLUMNS``), every row.

    ``status`` is required (on track / stalled / ended, Indonesian words too: lancar,
    macet, selesai ...); ``date`` (when it was written) defaults to today and may not be
    in the future; ``next_date`` may be (it is the planned next step)."""
    c = _Checker(raw, source)
    c.require_columns(("umkm_id", "firm_id", "status"))
    umkm_id = excel_integer_text(c.required("umkm_id"))
    firm_id = excel_integer_text(c.required("firm_id"))
    _known_ids(c, umkm_id, "umkm_id", umkm, "UMKM")
    _known_ids(c, firm_id, "firm_id", firms, "firm")
    c.required("status")
    written = _iso_dates(c, "date")
    next_date = _iso_dates(c, "next_date", planned=True)
    data = {
        "umkm_id": umkm_id,
        "firm_id": firm_id,
        "status": c.term("status", "status"),
        "office": c.optional_text("office"),
        "person": c.optional_text("person"),
        "next_step": c.optional_text("next_step"),
        "next_date": next_date,
        "note": c.optional_text("note"),
        "date": written.fillna(pd.Timestamp(rules.today())).astype("datetime64[ns]"),
    }
    return c.finish(_frame(FOLLOWUP_COLUMNS, data, len(c)))


def _iso_dates(c: _Checker, column: str, *, planned: bool = False) -> pd.Series:
    """ISO dates, within the date rule; ``planned`` dates (a next step) may lie up to
    :data:`rules.EVENT_HORIZON` ahead instead of at most tomorrow."""
    s = c.col(column).str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$", r"\1", regex=True)
    if planned:
        latest = rules.today() + rules.EVENT_HORIZON
        out_of_range = rules.dates_out_of_range(s, latest - _dt.timedelta(days=1))
        rule = Message(
            "data.rule.date_range", start=rules.DATE_MIN.isoformat(), end=latest.isoformat()
        )
    else:
        out_of_range, rule = rules.dates_out_of_range(s), rules.date_rule()
    parsed = pd.to_datetime(
        s.where(s.str.fullmatch(r"\d{4}-\d{2}-\d{2}") & ~out_of_range, None),
        format="%Y-%m-%d",
        errors="coerce",
    )
    c.fail(out_of_range, column, rule)
    c.fail((s != "") & parsed.isna() & ~out_of_range, column, Message("data.rule.iso_date"))
    return parsed.astype("datetime64[ns]")


def parse_event(
    raw: pd.DataFrame, source: str, umkm: pd.DataFrame, firms: pd.DataFrame
) -> pd.DataFrame:
    """Raw event participants -> canonical event frame; ids must be in the profiles."""
    c = _Checker(raw, source)
    c.require_columns(("party", "id"))
    c.required("party")
    party = c.vocabulary("party", PARTIES, also="perusahaan, UMKM")
    ids = excel_integer_text(c.required("id"))
    is_umkm, is_firm = (party == "umkm").to_numpy(), (party == "firm").to_numpy()
    c.fail(
        is_umkm & (ids != "").to_numpy() & ~ids.isin(umkm["umkm_id"]).to_numpy(),
        "id",
        Message("data.rule.known_umkm", column="umkm_id"),
        values=ids,
    )
    c.fail(
        is_firm & (ids != "").to_numpy() & ~ids.isin(firms["firm_id"]).to_numpy(),
        "id",
        Message("data.rule.known_firm", column="firm_id"),
        values=ids,
    )
    pair = party.fillna("") + "\x00" + ids
    dup = (pair.duplicated(keep="first") & (ids != "") & party.notna()).to_numpy()
    c.fail(dup, "id", Message("data.rule.once_per_event"), values=ids)
    capacity = c.number("capacity", minimum=MIN_CAPACITY, integer=True)
    # default_capacity's rule, for a whole file: the firm's max_partners, UMKM_CAPACITY
    default = pd.Series(float(UMKM_CAPACITY), index=ids.index)
    default[is_firm] = ids[is_firm].map(firms.set_index("firm_id")["max_partners"]).astype(float)
    data = {
        "party": party,
        "id": ids,
        "capacity": capacity.where(capacity.notna(), default).fillna(1).astype(np.int64),
    }
    return c.finish(_frame(EVENT_COLUMNS, data, len(c)))


def parse_pairs(raw: pd.DataFrame, source: str, event: pd.DataFrame) -> list[tuple[str, str]]:
    """Raw (umkm_id, firm_id) pairs -> list of ID pairs; both must take part in ``event``
    (a canonical event frame). For a planner's must-include and exclude lists."""
    c = _Checker(raw, source)
    c.require_columns(("umkm_id", "firm_id"))
    ids = {}
    for column, party in (("umkm_id", "umkm"), ("firm_id", "firm")):
        ids[column] = excel_integer_text(c.required(column))
        allowed = event.loc[event["party"] == party, "id"].astype(str)
        c.fail(
            (ids[column] != "").to_numpy() & ~ids[column].isin(allowed).to_numpy(),
            column,
            Message("data.rule.in_event", column=column, party=party),
            values=ids[column],
        )
    c.raise_errors()
    return list(zip(ids["umkm_id"], ids["firm_id"]))


# --------------------------------------------------------------------------- file entry points


def load_umkm(path: str | Path) -> pd.DataFrame:
    return parse_umkm(_read_whole(path), str(path))


def _raw_chunks(path: str | Path, rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """(raw frame, the spreadsheet row of its first row) for ``rows`` rows at a time."""
    start = 2  # the header is row 1
    for part in _read_parts(path, rows):
        yield part.reset_index(drop=True), start
        start += len(part)


def iter_umkm(
    path: str | Path, chunk_rows: int = 50_000, *, unique_across_chunks: bool = True
) -> Iterator[pd.DataFrame]:
    """Canonical UMKM frames, ``chunk_rows`` file rows at a time, for files too large to
    hold: memory holds one chunk (plus the IDs seen, to check they are unique across the
    file). Every rule of :func:`load_umkm` is checked; a chunk with problems raises its
    DataValidationError (earlier chunks were already yielded: validate the whole file
    first with :func:`scan_umkm` when nothing may be done on a bad file, and then pass
    ``unique_across_chunks=False``: the scan has checked that, and the IDs need not be
    held again)."""
    seen: dict[str, int] | None = {} if unique_across_chunks else None
    for raw, first_row in _raw_chunks(path, chunk_rows):
        yield parse_umkm(raw, str(path), first_row=first_row, seen_ids=seen)


def scan_umkm(
    path: str | Path,
    chunk_rows: int = 50_000,
    on_chunk: Callable[[pd.DataFrame], None] | None = None,
) -> tuple[int, list[Problem]]:
    """Check a whole UMKM file chunk by chunk without keeping it: (number of UMKM,
    warnings), or one DataValidationError listing the problems of every chunk.

    ``on_chunk`` gets each canonical chunk while no problem has been found yet (an import
    stages them as it goes, and merges only when the scan ends without an error)."""
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    whole_file: set[Problem] = set()
    warnings: list[Problem] = []
    n = 0
    for raw, first_row in _raw_chunks(path, chunk_rows):
        try:
            frame = parse_umkm(raw, str(path), first_row=first_row, seen_ids=seen)
        except DataValidationError as exc:
            for p in exc.problems:
                if p.row is None or p.row == 1:  # a missing or doubled column recurs in every chunk
                    if p in whole_file:
                        continue
                    whole_file.add(p)
                problems.append(p)
            continue
        n += len(frame)
        warnings.extend(frame.attrs.get("warnings", []))
        if on_chunk is not None and not problems:
            on_chunk(frame)
    # a value warned about in several chunks is reported once, at its first row
    first: dict[tuple, Problem] = {}
    for w in warnings:
        first.setdefault((w.column, w.value), w)
    if problems:
        raise DataValidationError(problems=problems)
    return n, list(first.values())


def load_firms(path: str | Path) -> pd.DataFrame:
    return parse_firms(_read_whole(path), str(path))


def load_outcomes(
    path: str | Path,
    umkm: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    *,
    latest_only: bool = True,
) -> pd.DataFrame:
    return parse_outcomes(
        _read_whole(path), str(path), umkm=umkm, firms=firms, latest_only=latest_only
    )


def load_followups(
    path: str | Path, umkm: pd.DataFrame | None = None, firms: pd.DataFrame | None = None
) -> pd.DataFrame:
    return parse_followups(_read_whole(path), str(path), umkm=umkm, firms=firms)


def load_event(path: str | Path, umkm: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    return parse_event(_read_whole(path), str(path), umkm, firms)


def load_pairs(path: str | Path, event: pd.DataFrame) -> list[tuple[str, str]]:
    return parse_pairs(_read_whole(path), str(path), event)
