"""Safe file names from area names.

>>> slugify("Kråkerøy sør")
'kraakeroy-sor'
>>> slugify("<script>alert(1)</script>")
'script-alert-1-script'
>>> slugify("../../etc/passwd")
'etc-passwd'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slugify", "unique_slugs"]

_NORDIC = {"æ": "ae", "ø": "o", "å": "aa", "Æ": "ae", "Ø": "o", "Å": "aa"}


def slugify(text: str, *, max_length: int = 60) -> str:
    """Make a file-name slug: lowercase ASCII letters, digits and single hyphens only.

    Parameters
    ----------
    text : str
        The name (æ → ae, ø → o, å → aa; other accents dropped).
    max_length : int, default 60
        Longest slug.

    Returns
    -------
    str
        The slug; never empty (``"omrade"`` when nothing is left).
    """
    t = "".join(_NORDIC.get(ch, ch) for ch in str(text))
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii").lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t[:max_length].rstrip("-") or "omrade"


def unique_slugs(names: list[str], codes: list[str]) -> list[str]:
    """Make slugs for ``names``; where two collide, the area code is added to each.

    Parameters
    ----------
    names : list of str
        Area names.
    codes : list of str
        Area codes, in the same order.

    Returns
    -------
    list of str
        One slug per name.
    """
    base = [slugify(n) for n in names]
    counts = {s: base.count(s) for s in base}
    return [s if counts[s] == 1 else f"{s}-{slugify(c)}" for s, c in zip(base, codes, strict=True)]
