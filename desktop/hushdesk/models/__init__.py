"""Model components: the catalog and what fits this computer, the installed-model
registry, the bundled starter models, downloads from the hub (resumable, verified) and
imports from other apps."""
