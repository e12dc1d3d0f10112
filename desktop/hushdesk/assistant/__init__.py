"""What the assistant does with text, Qt-free and below the services: chat sessions and
the conversation store (``chat``, ``chat_store``), grounded answers with their
citations (``grounding``; summaries held to their source by ``evidence``), one
cancellable model call (``generation``), personas, writing tasks, summaries
(``summarize/``) and email drafts (``email/``)."""
