"""The user's preferences that are not about a model: appearance, the window, who
they are in emails. Saved at once; a save that fails is reported, nothing is lost."""

from __future__ import annotations

import logging
import secrets

from hushdesk import policy
from hushdesk.errors import HushdeskError
from hushdesk.settings import EmailSettings, Settings

log = logging.getLogger("hushdesk.settings")

THEMES = ("system", "light", "dark")
LOCK_AFTER_MIN = (0, 5, 15, 30, 60, 240)  # 0: never


class Preferences:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def theme(self) -> str:
        return self.settings.ui.theme

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise HushdeskError(f"Unknown theme {theme!r}: choose one of {', '.join(THEMES)}.")
        self.settings.ui.theme = theme
        self.settings.save()

    @property
    def lock_after_min(self) -> int:
        forced = policy.load().lock_after_min
        if forced is not None:
            return forced
        minutes = self.settings.ui.lock_after_min
        return minutes if minutes in LOCK_AFTER_MIN else 15

    def set_lock_after(self, minutes: int) -> None:
        rules = policy.load()
        if rules.lock_after_min is not None:
            raise rules.locked("The idle lock")
        if minutes not in LOCK_AFTER_MIN:
            raise HushdeskError(f"Lock after {minutes} minutes is not one of the choices.")
        self.settings.ui.lock_after_min = minutes
        self.settings.save()

    @property
    def welcomed(self) -> bool:
        return self.settings.ui.welcomed

    def set_welcomed(self) -> None:
        if not self.settings.ui.welcomed:
            self.settings.ui.welcomed = True
            self._save_quietly()

    @property
    def starter_banner(self) -> bool:
        return self.settings.ui.starter_banner

    def hide_starter_banner(self) -> None:
        self.settings.ui.starter_banner = False
        self._save_quietly()

    @property
    def sender(self) -> EmailSettings:
        """Name, address and signature used in emails (read-only: see ``set_sender``)."""
        return self.settings.email

    def set_sender(
        self, name: str | None = None, address: str | None = None, signature: str | None = None
    ) -> EmailSettings:
        """Change what is given (None keeps it); every draft after this uses it."""
        mine = self.settings.email
        mine.update(
            mine.sender_name if name is None else name,
            mine.sender_address if address is None else address,
            mine.signature if signature is None else signature,
        )
        self.settings.save()
        return mine

    def api_token(self, *, new: bool = False) -> str:
        """The local API's token, kept with the protected settings: made the first time
        (or when ``new``, which makes every client need the new one)."""
        api = self.settings.api
        if new or len(api.token) < 16:
            api.token = secrets.token_urlsafe(32)
            self.settings.save()
        return api.token

    @property
    def api_serving(self) -> tuple[bool, int]:
        """(whether the window serves the local API, on which port)."""
        return self.settings.api.serve, self.settings.api.port

    def set_api_serving(self, on: bool, port: int) -> None:
        if not 1024 <= port <= 65535:
            raise HushdeskError("Choose a port from 1024 to 65535.")
        self.settings.api.serve, self.settings.api.port = on, port
        self.settings.save()

    # -- the window (kept so the app reopens where the user was, even after a crash) ----

    @property
    def last_conversation(self) -> int | None:
        return self.settings.ui.last_conversation

    @property
    def last_matter(self) -> str:
        """The matter the window had open (its last conversation is one of that matter's)."""
        return self.settings.ui.last_matter

    def remember_matter(self, matter_id: str) -> None:
        ui = self.settings.ui
        if ui.last_matter != matter_id:
            ui.last_matter, ui.last_conversation = matter_id, None  # another matter's ids
            self._save_quietly()

    def remember_conversation(self, conversation_id: int | None) -> None:
        if self.settings.ui.last_conversation != conversation_id:
            self.settings.ui.last_conversation = conversation_id
            self._save_quietly()

    def remember_window(self, geometry: str, splitter: str, conversation_id: int | None) -> None:
        ui = self.settings.ui
        ui.geometry, ui.splitter, ui.last_conversation = geometry, splitter, conversation_id
        self._save_quietly()

    def _save_quietly(self) -> None:
        """Window state is not worth a dialog: a failed save is logged."""
        try:
            self.settings.save()
        except HushdeskError as exc:
            log.warning("could not save settings: %s", exc)

    @property
    def geometry(self) -> str | None:
        return self.settings.ui.geometry

    @property
    def splitter(self) -> str | None:
        return self.settings.ui.splitter
