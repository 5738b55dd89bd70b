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
# # Dine egne filer
#
# En studie er en mappe med filer og én `study.toml` som sier hva de er. Denne notatboka viser
# hvordan filene skal se ut, hvordan levekar leser dem, og hva som skjer når noe er galt.
#
# `levekar demo --out MAPPE` (eller `write_demo_inputs` under) skriver demoens filer som en
# mal: grenselag for grunnkretser og skolekretser, befolkningsrutenettet, en indikatortabell,
# en tabell over kodeendringer og `study.toml`. Bytt ut filene med dine egne, og rett
# `study.toml` så den peker på dem.

# %%
import tempfile
from pathlib import Path

import levekar
from levekar.demo import write_demo_inputs
from levekar.render.presentation import format_number, format_percent

folder = Path(tempfile.mkdtemp())
sorted(p.name for p in write_demo_inputs(folder))

# %% [markdown]
# ## Grenselag
#
# Alle formater GDAL leser, går: GeoPackage, GeoJSON, Shapefile, GML, FileGDB. Kartverkets
# skjema for grunnkretser (`grunnkretsnummer`, `grunnkretsnavn`) kjennes igjen; ellers sier du
# hvilke kolonner som er kode og navn. Laget gjøres om til EPSG:25833 (UTM 33, meter) uansett
# hvilket av EPSG:25832/25833/25835/4258/4326 det kommer i, og ugyldige polygoner repareres –
# og rapporteres.

# %%
from levekar.io.layers import read_area_layer, read_population

gk, report = read_area_layer(folder / "grunnkretser.gpkg", level="grunnkrets")
print(
    f"{report.n_features} grunnkretser lest fra {report.crs_in}, {len(report.repaired)} reparert."
)
gk.head(3)

# %% [markdown]
# ## Befolkningen
#
# SSBs rutenett på 250 m (`BefolkningPåRuter250m`, som GML eller GeoPackage) eller
# adressepunkter med antall bosatte. Det brukes til å dele grunnkretser som ligger i flere
# lokalsamfunn etter hvor folk bor.

# %%
grid = read_population(folder / "befolkning_250m.gpkg")
print(f"{len(grid)} ruter med til sammen {format_number(grid['popTot'].sum())} innbyggere.")

# %% [markdown]
# ## Indikatorene
#
# Den enkleste formen er én lang tabell: `code, year, indicator, numerator, denominator,
# status`, én rad per grunnkrets, år og indikator. Teller og nevner – ikke andeler – så
# levekar kan summere over grunnkretser og regne intervaller. SSBs symboler beholdes i
# `status`: `:` er prikket (skjult fordi tallet er lite), `..` mangler, `.` finnes ikke.

# %%
from levekar.io.observations import read_observations

obs = read_observations(folder / "indikatorer_grunnkrets.csv")
obs["status"].value_counts()

# %% [markdown]
# En nedlasting fra SSBs statistikkbank (semikolon, latin-1, desimalkomma) blir den samme lange
# tabellen. I `study.toml` er det `format = "ssb-csv"`; her gjør vi det for hånd for å se hva
# som skjer:

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
# ## Studien
#
# `study.toml` binder filene sammen og sier hvordan analysen skal gjøres: områdene,
# befolkningen, indikatorene, indeksen, utvelgelsesregelen, satsingens områder og målene.
# Stier er relative til filen. Alle nøklene er beskrevet i `docs/study-config.md`.

# %%
print((folder / "study.toml").read_text(encoding="utf-8")[:900])

# %% [markdown]
# `levekar.load_study` leser og sjekker alt på én gang. Resultatet viser hva som ble lest:

# %%
study = levekar.load_study(folder / "study.toml")
study

# %% [markdown]
# ## Når noe er galt
#
# Feil stopper med én melding som sier hvilken fil eller nøkkel, hva som var forventet, hva
# som kom, og hva du kan gjøre. Her en skrivefeil i regelen:

# %%
bad = folder / "feil.toml"
bad.write_text(
    (folder / "study.toml").read_text(encoding="utf-8").replace('rule = "top_k"', 'rule = "topp3"'),
    encoding="utf-8",
)
try:
    levekar.load_study(bad)
except levekar.ConfigError as err:
    print(err)

# %% [markdown]
# ## Krysstabellen fra dine lag
#
# Første steg i analysen er krysstabellen grunnkretser → lokalsamfunn. Den kan lages alene,
# for å se om lagene passer sammen før du kjører alt: hvor mange grunnkretser som deles, og om
# alle innbyggerne når fram. Grunnkretser eller folk som faller utenfor, blir funn i kjøringen.

# %%
cw = levekar.crosswalk_from_overlay(
    study.grunnkretser,
    study.lokalsamfunn,
    weighting="population",
    population=study.population,
    population_column="popTot",
    sliver_tolerance=0.001,
)
cw

# %%
q = cw.quality
print(
    f"{q.n_sources_split} av {q.n_sources} grunnkretser deles mellom lokalsamfunn; "
    f"{format_percent(q.population_assigned_share)} av {format_number(q.population_total)} "
    "innbyggere når fram til et lokalsamfunn."
)

# %% [markdown]
# ## Kjør
#
# Nå er studien klar. Resten er som i notatbok 01:
#
# ```python
# results = levekar.run(study)
# levekar.write(results, "ut")
# ```
#
# eller på kommandolinjen: `levekar run --config MAPPE/study.toml --out ut`.
