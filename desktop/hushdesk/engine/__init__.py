"""Engines behind one interface: the local llama.cpp child process (later, remote
OpenAI-compatible servers)."""
