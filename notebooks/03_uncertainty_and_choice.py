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
# # Hvor sikkert er valget?
#
# Notatbok 01 viste at Sentrum og Lisleby pekes ut av regelen, mens Sellebakk havner like
# utenfor. Her går vi dypere: hvor usikkerheten kommer fra, hva som skal til for å endre
# valget, om valget holder seg år for år, og om andre kommuners metoder ville valgt det samme.
#
# (Om de svake områdene ligger samlet – Moran's I og LISA-klynger – regnes når studien har
# `spatial = true` under `[selection]`; svaret står da i `results.spatial` og i rapporten om
# utvelgelse over tid.)
#
# Syntetiske demodata. Antall trekninger kan settes ned med miljøvariabelen
# `LEVEKAR_NOTEBOOK_DRAWS` (testene gjør det); tallene blir da litt mindre presise.

# %%
import os

import levekar
from levekar.render.presentation import format_percent

# Monte Carlo draws: the study's own 2000 unless LEVEKAR_NOTEBOOK_DRAWS asks for fewer.
DRAWS = int(os.environ.get("LEVEKAR_NOTEBOOK_DRAWS", 2000))

study = levekar.demo_study()
study.config.selection.draws = DRAWS
results = levekar.run(study)
names, k, year = results.names, results.rule.k, results.year
results

# %% [markdown]
# ## Fire kilder til usikkerhet
#
# Monte Carlo-simuleringen varierer fire ting, hver for seg eller samtidig:
#
# * **utvalg** (`sampling`): tellingene trekkes på nytt rundt det som ble observert – små tall
#   svinger mest;
# * **vekter** (`weights`): indikatorenes vekter trekkes rundt de valgte (et faglig skjønn, ikke
#   en naturlov);
# * **metode** (`methods`): z-verdier, min–maks eller rang som normalisering;
# * **indikatorsett** (`leave_one_out`): én indikator utelates i hver trekning.
#
# Først bare utvalgsusikkerheten, så alle fire. Forskjellen viser hvor mye av usikkerheten som
# skyldes tallene, og hvor mye som skyldes valgene bak indeksen.

# %%
from levekar.uncertainty import UncertaintyOptions, rank_uncertainty

data = results.data[year]  # the year's indicators as arrays (areas × indicators)
areas = results.index["code"].tolist()
every_source = results.scores[year].options
only_sampling = UncertaintyOptions(draws=every_source.draws, seed=every_source.seed)


def p_top_k(options):
    """P(among the k worst) per area code under ``options``."""
    u = rank_uncertainty(
        data, results.spec, study.catalogue, rule=results.rule, areas=areas, options=options
    )
    return u.summary.set_index("code")["p_top_k"]


compare = results.index[["code", "name", "rank"]].assign(
    p_sampling_only=lambda t: t["code"].map(p_top_k(only_sampling)),
    p_every_source=lambda t: t["code"].map(p_top_k(every_source)),
)
compare.sort_values("rank").head(6)

# %%
edge = compare.sort_values("rank").iloc[k]  # the first area outside the k worst
print(
    f"{edge['name']} (rang {edge['rank']}): blant de {k} svakeste i "
    f"{format_percent(edge['p_sampling_only'], decimals=0)} av trekningene med bare "
    f"utvalgsusikkerhet, og i {format_percent(edge['p_every_source'], decimals=0)} med alle fire."
)

# %% [markdown]
# ## Hvilken kilde betyr mest?
#
# For hvert område sier `main_source` hvilken kilde som alene flytter rangen mest, og
# `share_*` hvor stor del av variasjonen hver kilde står for. For områdene nær grensen regnes
# også **Sobol-indekser** for P(blant de 3 svakeste): `s1` er kildens effekt alene, `st` med
# samspillet med de andre. En kilde med lav `s1` men høy `st` betyr mest i kombinasjon.

# %%
shares = [c for c in results.selection if c.startswith("share_")]
results.selection[["name", "rank", "main_source", *shares]].head(6)

# %%
sobol = results.sobol.assign(name=results.sobol["code"].map(names))
sobol.pivot(index="name", columns="group", values="st").round(2)

# %% [markdown]
# ## Hva skal til for å endre valget?
#
# For områdene nær grensen: den minste enkeltendringen – i én indikator eller én vekt – som
# ville flyttet området inn blant eller ut av de tre svakeste. Er endringen liten sammenlignet
# med usikkerheten i tallet, står valget svakt.

# %%
from levekar.render.presentation import counterfactual_text

for row in results.counterfactuals.to_dict("records"):
    print(counterfactual_text(row, names, study.catalogue, k))

# %% [markdown]
# ## År for år
#
# Den samme regelen, med de samme kildene til usikkerhet, brukes på hvert års tall. Et område
# som går inn eller ut, er en *tydelig* endring bare når sannsynligheten for å bli valgt gikk
# fra høyst 5 % til minst 95 % (eller omvendt) – ellers kan det være støy.

# %%
results.reselection

# %%
table = results.reselection.table
for code in results.selection.loc[results.selection["in_initiative"], "code"]:
    chosen = table[(table["code"] == code) & table["selected"]]["year"].tolist()
    years = table["year"].nunique()
    print(f"{names[code]} er valgt av regelen {len(chosen)} av {years} år: {chosen}")

# %% [markdown]
# ## Andre kommuners metoder
#
# Indeksen sammenlignes med SSBs metode (poeng 1–10), rangsum, den engelske indeksen (IMD) og
# OECDs z-snitt på de samme dataene: korrelasjonen med studiens indeks (Spearman) og hvor
# mange av de tre svakeste de har felles.

# %%
results.agreement
