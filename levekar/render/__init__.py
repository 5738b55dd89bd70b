"""Everything a politician or citizen reads: maps, reports, fact sheets, figures, the handlingsplan.

Renderers take explicit inputs (frames, a layer, labels, options), never the
pipeline's results. :mod:`levekar.render.presentation` holds the bokmål labels
and number formats; the core returns codes and numbers.
"""
