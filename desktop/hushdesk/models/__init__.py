"""Model components: installed-model registry and the bundled starter models."""
