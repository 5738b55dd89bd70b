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
# # Hele kjeden på demodataene
#
# Denne notatboka går gjennom hele analysen ett steg om gangen, med begrunnelsen for hvert
# valg: fra grunnkretser til lokalsamfunn, fra tellinger til indikatorer med usikkerhet, fra
# indikatorer til en indeks, fra indeksen til hvilke områder som velges ut – og til slutt mål
# for områdesatsingen og kartet.
#
# Dataene er **syntetiske** (*Syntetiske demodata*): en Fredrikstad-lignende kommune laget av
# `levekar.demo`, med 176 grunnkretser og 21 lokalsamfunn. Alt under virker likt på en ekte
# studie lest med `levekar.load_study("studie.toml")` (se notatbok 02).
#
# **Innstillinger.** Monte Carlo-simuleringen bruker studiens 2 000 trekninger. Testene kjører
# notatboka med færre (miljøvariabelen `LEVEKAR_NOTEBOOK_DRAWS`); da blir tallene litt mindre
# presise, men fremgangsmåten er den samme.

# %%
import os

import levekar
from levekar.render.presentation import format_number, format_percent, format_value

# Monte Carlo draws: the study's own 2000 unless LEVEKAR_NOTEBOOK_DRAWS asks for fewer.
DRAWS = int(os.environ.get("LEVEKAR_NOTEBOOK_DRAWS", 2000))

study = levekar.demo_study()
study.config.selection.draws = DRAWS
study

# %% [markdown]
# ## 1. Kjør analysen
#
# `levekar.run` kjører alle stegene på studien og gir tilbake ett `Results`-objekt med alt
# som er regnet ut. Hvert tall under – i tabellene, på kartet og i rapportene – kommer fra
# dette objektet, så det finnes bare én sannhet per kjøring. Kjøringen tar noen sekunder.

# %%
results = levekar.run(study)
results

# %% [markdown]
# ## 2. Fra grunnkretser til lokalsamfunn
#
# SSB publiserer tall for **grunnkretser**, men kommunen planlegger for **lokalsamfunn**
# (her: skolekretser slått sammen). Grensene følger ikke hverandre, så noen grunnkretser
# ligger i flere lokalsamfunn. En slik grunnkrets deles etter **hvor folk bor** (SSBs
# befolkningsrutenett på 250 m), ikke etter areal: en grunnkrets som er halvt skog og halvt
# boligfelt, skal ikke gi halvparten av innbyggerne til skogen.
#
# Krysstabellens kvalitet sier hvor mange grunnkretser som er delt, og om **alle innbyggerne
# kom fram**: summen over lokalsamfunnene skal være lik summen over grunnkretsene. Det som
# ikke når fram, blir et funn – ingenting forsvinner i stillhet.

# %%
cw = results.crosswalk
cw

# %%
q = cw.quality
people_by_area = cw.table.groupby("target_code")["population"].sum()
print(
    f"{q.n_sources_split} av {q.n_sources} grunnkretser er delt mellom lokalsamfunn. "
    f"Grunnkretsene har {format_number(q.population_total)} innbyggere; de "
    f"{len(people_by_area)} lokalsamfunnene har til sammen "
    f"{format_number(people_by_area.sum())} ({format_percent(q.population_assigned_share)})."
)

# %% [markdown]
# Den mest delte grunnkretsen, og hvor innbyggerne dens havner:

# %%
split = cw.split_sources()
most = split["source_code"].value_counts().index[0]
gk_names = study.grunnkretser.set_index("code")["name"]
print(f"Grunnkrets {most} {gk_names[most]}:")
for row in split[split["source_code"] == most].itertuples():
    print(
        f"  {format_percent(row.weight)} av innbyggerne ({format_number(row.population)}) "
        f"til {results.names[row.target_code]}"
    )

# %% [markdown]
# ## 3. Én indikator: verdien og intervallet
#
# Ta *barn i lavinntekt*: andelen barn i husholdninger med vedvarende lavinntekt. En andel
# regnet på få barn er usikker – noen få familier som flytter inn eller ut, flytter andelen
# mye. Derfor har hver verdi et **95 % konfidensintervall** (Wilson for andeler), og små
# lokalsamfunn får **brede** intervaller. Et område regnes som *signifikant svakere enn
# kommunen* bare når hele intervallet ligger på den dårlige siden av kommunens verdi.
#
# **Prikking.** SSB skjuler små tall (`:` i tabellene). levekar setter aldri et prikket tall
# til 0; det får nedre og øvre grense, og intervallet blir bredere. Ligger mer enn 20 % av
# nevneren i prikkede celler, publiseres og brukes verdien ikke (`mostly_suppressed`), og
# verdier med for liten nevner vises ikke (`suppressed`).

# %%
ind = "barn_lavinntekt"
kind = study.catalogue[ind].kind
rates = results.rates.query("year == @results.year and indicator == @ind")
columns = ["name", "denominator", "value", "ci_low", "ci_high", "kommune_value"]
rates[columns + ["significantly_worse", "publish_status"]].sort_values("denominator").round(3)

# %%
shown = rates[rates["published"]].sort_values("denominator")
for r in (shown.iloc[0], shown.iloc[-1]):
    width = 100 * (r["ci_high"] - r["ci_low"])
    print(
        f"{r['name']}: {format_value(r['value'], kind)} av {format_number(r['denominator'])} "
        f"barn, intervall {format_value(r['ci_low'], kind)}–{format_value(r['ci_high'], kind)} "
        f"({format_number(width, decimals=1)} prosentpoeng bredt)."
    )
print(f"Kommunen: {format_value(rates['kommune_value'].iloc[0], kind)}.")

# %% [markdown]
# Alt som ble flyttet, reparert eller holdt utenfor, står i funnene – her blant annet verdiene
# som hviler for mye på prikkede tall:

# %%
results.findings

# %% [markdown]
# ## 4. Indeksen
#
# Indeksen slår sammen indikatorene i fem **domener** (inntekt, oppvekst, sysselsetting, helse,
# bomiljø). For hver indikator:
#
# 1. **Retning**: høyere er verre for de fleste (lavinntekt, sosialhjelp), men bedre for noen
#    (sysselsetting, høyere utdanning, medianinntekt). Disse snus, så høy indeks alltid betyr
#    svakere levekår.
# 2. **Normalisering**: hver indikator gjøres om til en z-verdi over lokalsamfunnene
#    (avstand fra snittet i standardavvik), så prosent, promille og kroner kan legges sammen.
# 3. **Vekting**: snittet innenfor hvert domene, deretter snittet av domenene – slik teller
#    et domene med mange indikatorer ikke mer enn et med få.

# %%
import pandas as pd

pd.DataFrame(
    [
        {
            "indikator": study.catalogue[i.column].short_label,
            "domene": i.domain,
            "vekt": i.weight,
            "høyere er verre": i.higher_is_worse,
        }
        for i in results.spec.indicators
    ]
)

# %%
results.index.sort_values("rank").head(6)

# %% [markdown]
# ## 5. Rangering med usikkerhet
#
# Rangen i tabellen over er ett anslag. Monte Carlo-simuleringen trekker tallene på nytt
# mange ganger – tellingene innenfor det tilfeldige de kunne ha vært (utvalgsusikkerhet),
# vektene og normaliseringsmetoden, og én indikator utelates – og regner indeksen og rangene
# på nytt i hver trekning. Da får hvert område
#
# * et **rangintervall** (`band`): rangen i 90 % av trekningene, og
# * **P(blant de 3 svakeste)** (`p_top_k`): hvor ofte det havnet blant de tre svakeste.
#
# Et område med rang 3 og intervall 2–4 er ikke sikkert blant de tre svakeste; et område med
# intervall 1–1 er det.

# %%
scores = results.scores[results.year]
scores

# %%
k = results.rule.k
bands = scores.bands()
edge = bands.iloc[k - 1]
print(
    f"{results.names[edge['code']]} har rang {edge['rank']} i {results.year}, men rangen ligger "
    f"mellom {edge['band'].replace('–', ' og ')} i 90 % av trekningene; sannsynligheten for å "
    f"være blant de {k} svakeste er {format_percent(edge['p_top_k'], decimals=0)}."
)

# %% [markdown]
# ## 6. Valget: hvorfor disse tre?
#
# Regelen i studien er enkel: **de tre lokalsamfunnene med høyest indeks**, blant dem med minst
# 1 000 innbyggere. Kommunens områdesatsing valgte *Sentrum, Lisleby og Sellebakk*. Stemmer det
# med tallene?
#
# Valget prøves som en påstand, med to spørsmål:
#
# * **Hva støtter hvert område?** Rang og intervall, sannsynligheten for å være blant de
#   svakeste, utviklingen over årene, indikatorene der området er signifikant svakere enn
#   kommunen – og hvor mange forsvarlige regler som peker det ut. Dette er «Begrunnelse» i
#   rapporten.
# * **Hvilke regler gir akkurat dette valget?** En familie av forsvarlige regler (ett år eller
#   snittet av flere, med og uten utvikling, «svakere på minst m indikatorer», andre
#   kommuners metoder) prøves på de samme dataene.

# %%
from levekar.render.presentation import evidence_text

for _, row in results.evidence.iterrows():
    lines = evidence_text(row, results.names, study.catalogue, k=k, year=results.year)
    print("\n  ".join(lines), end="\n\n")

# %%
family = results.rule_family
reproducing = family[family["reproduces"]]
print(
    f"{len(reproducing)} av {len(family)} regler gir nøyaktig satsingens områder. "
    f"Sannsynligheten for at akkurat disse {k} er de {k} svakeste, er "
    f"{format_percent(results.choice['p_exact_set'], decimals=0)}."
)
family[["rule", "selected", "reproduces", "p_set"]]

# %% [markdown]
# ## 7. Mål for satsingen
#
# For hvert område i satsingen og hver indikator i fokusområdene:
#
# * **Utgangsnivå** (`baseline`): snittet av de tre siste årene før start – ett år alene
#   svinger for mye.
# * **Mål** (`target_value`): halvparten av avstanden til kommunen skal lukkes innen
#   sluttåret, med en årlig bane dit (`target_2024` …). Er området alt bedre enn kommunen,
#   er målet å holde nivået.
# * **Målbar endring** (`detectable_change`): den minste endringen tallene kan vise (tosidig
#   test på 5 %-nivå med 80 % styrke), gitt hvor mange det gjelder. Et mål som er mindre enn
#   dette, kan ikke følges opp med tallene alene (`measurable` er da usann).

# %%
targets = results.targets
targets[
    ["name", "indicator", "baseline", "target_value", "detectable_change", "measurable", "status"]
].head(8)

# %%
t = targets.query("indicator == 'barn_lavinntekt'").iloc[0]
tk = study.catalogue[t["indicator"]].kind
print(
    f"{t['name']}, {study.catalogue[t['indicator']].short_label.lower()}: utgangsnivå "
    f"{format_value(t['baseline'], tk)} ({t['baseline_years']}), mål "
    f"{format_value(t['target_value'], tk)} i {t['end_year']}. Minste målbare endring er "
    f"{format_number(100 * t['detectable_change'], decimals=1)} prosentpoeng, så målet er "
    + ("målbart." if t["measurable"] else "ikke målbart med tallene alene.")
)

# %% [markdown]
# ## 8. Kartet
#
# Kartet viser indeksen, hvert domene og hver indikator per lokalsamfunn, med
# områdesatsingen tegnet inn. Det er det samme kartet som `levekar run` skriver til
# `maps/levekar_kart.html`, og det virker uten nett.

# %%
from levekar.publish import results_map

results_map(results)

# %% [markdown]
# ## 9. Skriv ut alt
#
# `levekar.write(results, "ut")` skriver tabellene, kartet, rapporten, faktaarkene og
# handlingsplanen til mappen `ut/` (det samme som `levekar run` på kommandolinjen). Skrivingen
# er atomær: feiler den, står tidligere resultater urørt.
#
# ```python
# paths = levekar.write(results, "ut")
# ```
