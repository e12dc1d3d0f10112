"""The local OpenAI-compatible API (``hushdesk serve``): a front end over the same
services as the app and the command line."""
