"""Use cases: chat sessions (later: cited answers, summaries, email drafts)."""
