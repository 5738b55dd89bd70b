# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
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
from levekar.uncertainty import rank_uncertainty, uncertainty_sources

results = levekar.run(levekar.load_study())
counts = results.counts[results.counts["year"] == results.year]
areas = results.index["code"].tolist()
spec = results.index_spec
cat = results.study.catalogue

# %% [markdown]
# ## Sampling error alone, then weights, methods and leaving an indicator out as well

# %%
only_sampling = rank_uncertainty(counts, spec, cat, areas=areas, k=3, draws=2000, seed=1).summary
everything = rank_uncertainty(counts, spec, cat, areas=areas, k=3, draws=2000, seed=1, weight_concentration=40,
                              methods=["z/weighted_mean", "rank/weighted_mean"], leave_one_out=True).summary
names = results.index.set_index("code")["name"]
compare = only_sampling.assign(name=only_sampling["area"].map(names))[["name", "p_top_k"]].merge(
    everything.assign(name=everything["area"].map(names))[["name", "p_top_k"]], on="name",
    suffixes=("_sampling", "_all"))
compare.sort_values("p_top_k_all", ascending=False).head(6)

# %% [markdown]
# ## Which source moves the ranks most

# %%
sources = uncertainty_sources(counts, spec, cat, areas=areas, draws=500, seed=2, weight_concentration=40,
                              methods=["z/weighted_mean", "rank/weighted_mean"], leave_one_out=True)
sources.assign(name=sources["area"].map(names))[["name", "main_source"]].head(8)

# %% [markdown]
# ## What would change the choice, and the choice year by year

# %%
results.counterfactuals[["name", "kind", "indicator", "from", "to", "text"]]

# %%
results.reselection.summary[["year", "selected", "initiative_not_selected", "entered", "left"]]

# %% [markdown]
# ## Is deprivation clustered in space?

# %%
from levekar.spatial import spatial_clusters

glob, local = spatial_clusters(results.study.lokalsamfunn, results.index.set_index("code")["score"], seed=1)
glob

# %% [markdown]
# ## The peer methods side by side

# %%
results.agreement
