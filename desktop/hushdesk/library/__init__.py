"""Documents: loaders (out of process), chunks, the SQLite store, the Chroma index,
hybrid retrieval."""
