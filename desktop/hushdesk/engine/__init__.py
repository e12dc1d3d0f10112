"""Engines behind one interface: the local llama.cpp model in a child process without
network (``local``, ``worker``), and OpenAI-compatible servers the user added
(``remote``, held to ``bounds``); chat templates, GGUF inspection and GPU offload."""
