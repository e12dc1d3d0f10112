"""Speech: recordings transcribed offline (faster-whisper in a child with no network),
the speech models, and a transcript's timed segments and formats."""
