# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Bringing your own files
#
# `levekar demo --out DIR` writes the demo's inputs as files, so you can see what your own must look
# like: boundary layers (any format GDAL reads, any of EPSG:25832/25833/25835/4258/4326), a
# population grid, a tidy indicator table, a code-change table and `study.toml`. Here we write
# them to a temporary folder, read them back one by one, and run the study from its TOML file.

# %%
import tempfile
from pathlib import Path

from levekar.demo import write_demo_inputs
from levekar.io.layers import read_area_layer, read_population
from levekar.io.observations import read_observations

folder = Path(tempfile.mkdtemp())
sorted(p.name for p in write_demo_inputs(folder))

# %% [markdown]
# ## Boundary layers: the Kartverket grunnkrets schema is recognised

# %%
gk, report = read_area_layer(folder / "grunnkretser.gpkg", level="grunnkrets")
gk.head(3), report.crs_in, report.repaired

# %% [markdown]
# ## SSB's 250 m population grid

# %%
grid = read_population(folder / "befolkning_250m.gpkg")
len(grid), grid["popTot"].sum()

# %% [markdown]
# ## Indicators: one tidy table, SSB's symbols kept in `status`

# %%
obs = read_observations(folder / "indikatorer_grunnkrets.csv")
obs["status"].value_counts()

# %% [markdown]
# ## An SSB statbank download (semicolon, latin-1, decimal comma) becomes the same tidy table

# %%
from levekar.io.ssb import observations_from_long, read_statbank_csv

csv = folder / "ssb_boforhold.csv"
csv.write_bytes(
    (
        '"Privathusholdninger etter boforhold"\n\n'
        '"region";"år";"statistikkvariabel";"Husholdninger"\n'
        '"31071101 Gansrød - Ulfeng";"2022";"Leier";"61"\n'
        '"31071101 Gansrød - Ulfeng";"2022";"I alt";"250"\n'
        '"31071102 Vaterland";"2022";"Leier";":"\n'
        '"31071102 Vaterland";"2022";"I alt";"38"\n'
    ).encode("latin-1")
)
observations_from_long(
    read_statbank_csv(csv), {"leie": {"numerator": "Leier", "denominator": "I alt"}}
)

# %% [markdown]
# ## Run the study from its configuration

# %%
import levekar

study = levekar.load_study(folder / "study.toml")
results = levekar.run(study)
results.selection[["name", "rank", "p_top_k", "selected"]].head(5)
