"""Use cases, Qt-free, one plain class each (the health checks and the wipe are
functions): the GUI, the command line and the API call these and nothing below them.
Long work is a job (cancel token, progress, text)."""
