"""Documents: readers in network-less children (``loaders``), text hygiene and chunks,
the encrypted document store (text, pages, full-text index and vectors), embedders
(OpenVINO or torch: ``embedders``), the in-memory vector index, the resumable ingest
(``ingest``) and ``DocumentLibrary`` over them all (``libraries``), fused retrieval,
page rendering, watched folders, and libraries shared on a Chroma server (``shared``,
its records checked by ``shared_records``)."""
