"""Documents: readers in network-less children (``loaders``), chunks, the encrypted
document store (text, pages, full-text index and vectors), the in-memory vector index,
fused retrieval, watched folders, and libraries shared on a Chroma server (``shared``,
its records checked by ``shared_records``)."""
