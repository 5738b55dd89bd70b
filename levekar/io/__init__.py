"""Readers and writers: the edge where files come in and outputs go out.

``tables`` (CSV/XLSX and the one number parser), ``layers`` (area and population
layers), ``observations`` (tidy indicator tables, reference values, code changes),
``ssb`` and ``udir`` (their published formats), ``index_table`` (``levekar index``),
``atomic`` (all-or-nothing writing) and ``tomlfile``. Core modules never import this.
"""
