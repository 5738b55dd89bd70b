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
# # Uncertainty and the choice of areas
#
# How sure are we that the chosen areas are the right ones, and will they still be next year?
# Synthetic demo data (*Syntetiske demodata*).

# %%
import levekar
from levekar.uncertainty import UncertaintyOptions, rank_uncertainty, uncertainty_sources

results = levekar.run(levekar.demo_study())
data = results.data[results.year]  # the year's indicators as arrays, reshaped once
areas = results.index["code"].tolist()
spec, rule, cat = results.spec, results.rule, results.study.catalogue

# %% [markdown]
# ## Sampling error alone, then weights, methods and leaving an indicator out as well

# %%
sampling = UncertaintyOptions(draws=2000, seed=1)
every_source = UncertaintyOptions(
    draws=2000,
    seed=1,
    weight_concentration=40,
    methods=("z/weighted_mean", "rank/weighted_mean"),
    leave_one_out=True,
)
only_sampling = rank_uncertainty(data, spec, cat, rule=rule, areas=areas, options=sampling).summary
everything = rank_uncertainty(data, spec, cat, rule=rule, areas=areas, options=every_source).summary
names = results.names
compare = only_sampling.assign(name=only_sampling["code"].map(names))[["name", "p_top_k"]].merge(
    everything.assign(name=everything["code"].map(names))[["name", "p_top_k"]],
    on="name",
    suffixes=("_sampling", "_all"),
)
compare.sort_values("p_top_k_all", ascending=False).head(6)

# %% [markdown]
# ## Which source moves the ranks most

# %%
from dataclasses import replace

sources = uncertainty_sources(
    data, spec, cat, rule=rule, areas=areas, options=replace(every_source, draws=500)
)
sources.assign(name=sources["code"].map(names))[["name", "main_source"]].head(8)

# %% [markdown]
# ## What would change the choice, and the choice year by year

# %%
from levekar.render.presentation import counterfactual_text

[counterfactual_text(r, names, cat, rule.k) for r in results.counterfactuals.to_dict("records")]

# %%
results.reselection.summary[["year", "selected", "initiative_not_selected", "entered", "left"]]

# %% [markdown]
# ## Is deprivation clustered in space?

# %%
from levekar.spatial import spatial_clusters

clusters = spatial_clusters(
    results.study.lokalsamfunn, results.index.set_index("code")["score"], seed=1
)
clusters.as_dict()

# %% [markdown]
# ## The peer methods side by side

# %%
results.agreement
