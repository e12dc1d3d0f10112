"""Hushdesk: an offline, privacy-first desktop assistant."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hushdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

APP_NAME = "Hushdesk"
