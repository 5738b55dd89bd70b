"""Data-quality findings: everything a run moved, dropped, repaired, guessed or left out.

A :class:`Finding` names what it is about (file, column, row or area, value), how many
people and rows it touches, and the fix. The stages of a run return findings instead
of printing them; the run collects them in :class:`Findings`, which decides whether
to go on (warnings), stop (errors, all at once) or, in strict mode, treat warnings as
errors. ``docs/findings.md`` lists every kind with its fix.

>>> f = Findings()
>>> f.warn("year_missing", "2020 has no data", source="obs.csv", rows=0)
>>> f.summary()
'1 warning: year_missing (1)'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from . import _html
from .errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KINDS", "Finding", "Findings", "problems_text"]

Severity = Literal["warning", "error"]

# Every kind of finding a run can report (documented in docs/findings.md).
KINDS = {
    # inputs
    "bad_value": "a cell that is not what its column needs",
    "zero_denominator": "a positive numerator on a denominator of 0",
    "duplicate_row": "the same code, year and indicator twice in one file",
    "unknown_indicator": "an indicator id the catalogue does not know",
    "year_outside_study": "a year outside the study's years",
    "year_missing": "a year inside the study's years with no data",
    "indicator_without_data": "an indicator with no usable value in a year",
    "indicator_left_out": "an indicator left out of every year's index: missing in some years",
    "year_left_out": "a year left out of the year-by-year choice: most index indicators missing",
    "kommune_rows": "rows for the whole kommune in a grunnkrets table",
    "unmatched_codes": "rows whose code matches no grunnkrets after code changes",
    "ambiguous_name": "a name used to pick areas that belongs to several areas",
    "schools_unplaced": "schools with results but no point in an area",
    "kommune_split": "a kommune number of a kommune split since: its kommune left missing",
    # code changes
    "code_change_cycle": "a code that is changed and changed into on the same date",
    "code_change_merge": "several old codes merged into one",
    "code_change_split": "an old code's counts divided between new codes by shares",
    "same_row_from_two_codes": "one area, year and indicator reached from two codes",
    # geometry and coverage
    "geometry_repaired": "invalid polygons repaired",
    "people_outside_grunnkretser": "people in the population layer outside every grunnkrets",
    "coverage_gap": "people in grunnkretser that no target area covers",
    "coverage_overlap": "people claimed by two target areas",
    "rows_lost_in_crosswalk": "counts that reached no target area",
    "unreachable": "people who cannot reach a destination, or destinations off the network",
    "crosswalk_disagreement": "areas the polygons place otherwise than their codes",
    "area_without_data": "target areas with no observation at all (listed as 'ingen data')",
    # values
    "mostly_suppressed": "values built mostly from suppressed cells: not published, not scored",
    # configuration
    "unknown_target_rule": "a target rule for an unknown indicator or area",
    "comparison_skipped": "a peer method the study's index cannot be compared with",
    "target_without_baseline": "a target that cannot be set: its baseline is missing",
}


@dataclass(frozen=True)
class Finding:
    """One data-quality finding.

    Attributes
    ----------
    kind
        One of :data:`KINDS`.
    severity
        ``warning`` (the run goes on and says so) or ``error`` (the run stops).
    message
        What was found, in English, with the values.
    source
        The file, layer or configuration key.
    column, row, area, value
        Where, when known (``row`` is the line in the file, 1 = header).
    people
        People affected, when known.
    rows
        Data rows affected, when known.
    fix
        What to do about it.
    """

    kind: str
    severity: Severity
    message: str
    source: str = ""
    column: str = ""
    row: int | None = None
    area: str = ""
    value: str = ""
    people: float | None = None
    rows: int | None = None
    fix: str = ""

    def __post_init__(self) -> None:
        """Refuse a kind that is not in :data:`KINDS`."""
        if self.kind not in KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}")

    def where(self) -> str:
        """Say where the finding is: the source, column, line and area that are known."""
        return ", ".join(
            p
            for p in (
                self.source,
                f"column {self.column!r}" if self.column else "",
                f"line {self.row}" if self.row is not None else "",
                f"area {self.area}" if self.area else "",
            )
            if p
        )

    def text(self) -> str:
        """Say the finding in one line: where, what, how many, the fix."""
        where = self.where()
        counts = ", ".join(
            p
            for p in (
                f"{self.people:,.0f} people" if self.people is not None else "",
                f"{self.rows:,} rows" if self.rows is not None else "",
            )
            if p
        )
        out = f"{where}: {self.message}" if where else self.message
        if counts:
            out += f" ({counts})"
        return out + (f". Fix: {self.fix}" if self.fix else "")


@dataclass
class Findings:
    """The findings of one run, in the order they were made."""

    items: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        """Record a finding."""
        self.items.append(finding)

    def warn(self, kind: str, message: str, **where) -> None:
        """Record a warning (see :class:`Finding` for ``where``)."""
        self.add(Finding(kind=kind, severity="warning", message=message, **where))

    def error(self, kind: str, message: str, **where) -> None:
        """Record an error: the run will stop when :meth:`raise_errors` is called."""
        self.add(Finding(kind=kind, severity="error", message=message, **where))

    def extend(self, other: Findings) -> None:
        """Record every finding of ``other``."""
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Finding]:
        """The errors."""
        return [f for f in self.items if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """The warnings."""
        return [f for f in self.items if f.severity == "warning"]

    def raise_errors(self, *, strict: bool = False, source: str = "study") -> None:
        """Stop with one :class:`~levekar.errors.DataError` listing every error.

        With ``strict``, every warning too; at most 20, then a count of the rest.
        """
        stop = self.items if strict else self.errors
        if stop:
            raise DataError(problems_text([f.text() for f in stop], source=source))

    def summary(self) -> str:
        """Count the findings by severity and kind, e.g. ``'2 warnings: coverage_gap (2)'``."""
        if not self.items:
            return "no findings"
        parts = []
        for severity in ("error", "warning"):
            items = [f for f in self.items if f.severity == severity]
            if items:
                kinds = Counter(f.kind for f in items)
                label = severity + ("s" if len(items) > 1 else "")
                parts.append(
                    f"{len(items)} {label}: " + ", ".join(f"{k} ({n})" for k, n in kinds.items())
                )
        return "; ".join(parts)

    def records(self) -> list[dict]:
        """Return the findings as plain dicts (for run_report.json)."""
        return [{**asdict(f), "text": f.text()} for f in self.items]

    def __len__(self) -> int:
        """Return the number of findings."""
        return len(self.items)

    def frame(self) -> pd.DataFrame:
        """Return the findings as a table, one row each, in the order they were made.

        Returns
        -------
        pandas.DataFrame
            ``severity, kind, where, message, people, rows, fix`` (``where`` joins the
            source, column, line and area that are known; ``people`` and ``rows`` are
            NaN where unknown).
        """
        import pandas as pd

        rows = [
            {
                "severity": f.severity,
                "kind": f.kind,
                "where": f.where(),
                "message": f.message,
                "people": f.people,
                "rows": f.rows,
                "fix": f.fix,
            }
            for f in self.items
        ]
        columns = ["severity", "kind", "where", "message", "people", "rows", "fix"]
        out = pd.DataFrame(rows, columns=columns)
        return out.astype({"people": float, "rows": float})

    def __repr__(self) -> str:
        """Count the findings by kind (every finding is in :attr:`items`)."""
        return f"Findings({self.summary()})"

    def _repr_html_(self) -> str:
        """Show every finding as a row of a table in Jupyter."""
        if not self.items:
            return _html.block("Findings", "<p>no findings</p>")
        return _html.block(f"Findings: {self.summary()}", _html.table(self.frame(), max_rows=50))


def problems_text(problems: list[str], *, source: str, cap: int = 20) -> str:
    r"""Write one error message listing ``problems`` (at most ``cap``, then how many more).

    >>> problems_text(["a", "b", "c"], source="x.csv", cap=2)
    'x.csv: 3 problems:\n  - a\n  - b\n  (and 1 more)'
    """
    if len(problems) == 1:
        return f"{source}: {problems[0]}" if not problems[0].startswith(source) else problems[0]
    lines = [f"{source}: {len(problems)} problems:"] + [f"  - {p}" for p in problems[:cap]]
    if len(problems) > cap:
        lines.append(f"  (and {len(problems) - cap} more)")
    return "\n".join(lines)
