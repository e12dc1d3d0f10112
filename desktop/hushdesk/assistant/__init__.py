"""What the assistant does with text, Qt-free and below the services: chat sessions
(grounded answers with their citations, held to their passages by ``grounding`` and
``evidence``), personas, writing tasks, summaries (``summarize/``) and email drafts
(``email/``)."""
