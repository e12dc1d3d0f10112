"""Use cases, one plain class each, Qt-free: the GUI, the command line and the API call
these and nothing below them. Long work is a job (cancel token, progress, text)."""
