"""The indicator catalogue: what each living-conditions indicator means and how it is shown.

The package ships the standard levekår indicators in ``levekar/data/indicators.toml``;
a study can add its own or override fields. Definitions are validated with pydantic.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

__all__ = ["DOMAINS", "Catalogue", "Indicator", "load_catalogue"]

Kind = Literal["share", "rate_per_1000", "mean", "median"]
Direction = Literal["higher_is_worse", "higher_is_better", "descriptive"]
Sampling = Literal["random", "exact"]
DomainId = Literal["oppvekst", "sysselsetting", "bomiljo", "inntekt", "helse"]

DOMAINS: dict[str, str] = {
    "oppvekst": "Oppvekst og utdanning",
    "sysselsetting": "Sysselsetting",
    "bomiljo": "Bo- og nærmiljø",
    "inntekt": "Inntekt",
    "helse": "Helse",
}


class Indicator(BaseModel):
    """One indicator definition (a ``[indicators.<id>]`` table, validated; frozen).

    Attributes
    ----------
    id : str
        Identifier: lower-case letters, digits and underscores, starting with a letter.
    label : str
        Full label, as shown in reports.
    short_label : str
        Short label for tables and map legends.
    domain : {"oppvekst", "sysselsetting", "bomiljo", "inntekt", "helse"}
        The domain the indicator belongs to (see :data:`DOMAINS`).
    direction : {"higher_is_worse", "higher_is_better", "descriptive"}
        Which way is worse.
    kind : {"share", "rate_per_1000", "mean", "median"}
        What the value is; ``rate_per_1000`` is published per 1000 (see :attr:`scale`).
    numerator : str
        What the numerator counts.
    denominator : str
        What the denominator counts.
    source : str
        Where the data come from.
    min_denominator : int, default 30
        Least denominator on which a value may be published (≥ 0).
    suppressed_max : int, default 4
        Largest count the source suppresses (SSB hides counts of 0–4 by default; ≥ 0).
    sampling : {"random", "exact"}, default "random"
        ``"random"``: the counts carry random variation, modelled by kind (Wilson
        intervals and binomial draws for shares, exact Poisson intervals and Poisson
        draws for rates; none for means and medians). ``"exact"``: the counts are a
        complete, deterministic count (accessibility from the population layer): no
        interval, never "significantly worse", no shrinkage, held fixed in the Monte
        Carlo (see ``docs/accessibility.md``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    short_label: str
    domain: DomainId
    direction: Direction
    kind: Kind
    numerator: str
    denominator: str
    source: str
    min_denominator: int = Field(default=30, ge=0)
    suppressed_max: int = Field(default=4, ge=0)
    sampling: Sampling = "random"

    @property
    def scale(self) -> float:
        """Multiplier from numerator/denominator to the published value."""
        return 1000.0 if self.kind == "rate_per_1000" else 1.0

    @property
    def summable(self) -> bool:
        """Whether numerators can be summed across areas (shares and rates)."""
        return self.kind in ("share", "rate_per_1000")

    @property
    def higher_is_worse(self) -> bool:
        """Whether a higher value is worse (``direction == "higher_is_worse"``)."""
        return self.direction == "higher_is_worse"

    @property
    def exact(self) -> bool:
        """Whether the counts are exact (``sampling == "exact"``): no sampling error."""
        return self.sampling == "exact"


class Catalogue(dict[str, Indicator]):
    """Indicators by id, in catalogue order (a ``dict`` of :class:`Indicator`).

    Attributes
    ----------
    keys, values : str, Indicator
        Indicator ids and their definitions, packaged indicators first, then the
        study's own in the order given.
    """

    def get_indicator(self, indicator_id: str, *, source: str = "study") -> Indicator:
        """Return the indicator ``indicator_id``, or a clear error if it is not known.

        Parameters
        ----------
        indicator_id : str
            The indicator's id.
        source : str, default "study"
            Where the id was read, used in the error message.

        Returns
        -------
        Indicator
            The indicator's definition.

        Raises
        ------
        ConfigError
            If the catalogue has no indicator ``indicator_id``.
        """
        try:
            return self[indicator_id]
        except KeyError:
            raise ConfigError(
                f"{source}: unknown indicator {indicator_id!r}; known: {', '.join(self)}. "
                "Add it under [indicators.<id>] in the study configuration."
            ) from None


def _build(entries: dict, source: str) -> dict[str, Indicator]:
    out = {}
    for key, fields in entries.items():
        try:
            out[key] = Indicator(id=key, **fields)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ConfigError(f"{source}: indicators.{key}.{loc}: {err['msg']}") from None
    return out


@lru_cache(maxsize=1)
def _packaged() -> tuple[Indicator, ...]:
    text = resources.files("levekar").joinpath("data/indicators.toml").read_text(encoding="utf-8")
    return tuple(_build(tomllib.loads(text)["indicators"], "levekar/data/indicators.toml").values())


def load_catalogue(extra: dict | None = None, *, source: str = "study") -> Catalogue:
    """Load the packaged catalogue, with ``extra`` indicators added or overriding fields.

    ``extra`` maps an id to its fields; for an existing id only the given fields change.

    Parameters
    ----------
    extra : dict, optional
        ``{id: {field: value}}`` as read from a study's ``[indicators.<id>]`` tables. A new
        id needs every required field of :class:`Indicator`; for a packaged id the given
        fields override the packaged ones.
    source : str, default "study"
        Where ``extra`` was read, used in error messages.

    Returns
    -------
    Catalogue
        The packaged indicators (``levekar/data/indicators.toml``) in their order, then
        new ones from ``extra``.

    Raises
    ------
    ConfigError
        If a definition does not validate (unknown field, bad id, domain, direction or
        kind, negative threshold, missing field).
    """
    cat = Catalogue((ind.id, ind) for ind in _packaged())
    for key, fields in (extra or {}).items():
        base = cat[key].model_dump(exclude={"id"}) if key in cat else {}
        cat.update(_build({key: {**base, **fields}}, source))
    return cat
