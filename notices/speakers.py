"""The village's IP loudspeakers (应急广播, 村村响): one small backend interface, chosen by
the SPEAKER_BACKEND setting, like the text messages' (notices.sms).

- notices.speakers.ConsoleBackend (the default): writes what would be spoken, and in
  which zone, to the log; for development and for a village without a system.
- notices.speakers.MemoryBackend: keeps it in `spoken` (tests).
- notices.speakers.HttpBackend: posts {"zone": …, "text": …, "emergency": …} as JSON to
  SPEAKER_URL with SPEAKER_KEY as a bearer token; the system reads the text aloud (its own
  text-to-speech) in that zone. A vendor's own API is a subclass overriding `post`. The
  address must be https (it carries the key), with SPEAKER_CA for an intranet's CA.

A zone is a SpeakerZone's `zone_id`: the number or name the system knows it by. What is
spoken holds no personal data (notices.callouts.check_text refused it before).
"""

from __future__ import annotations

import json
import logging
import ssl
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("notices.speakers")


@dataclass(frozen=True)
class Announcement:
    zone: str
    text: str
    emergency: bool = False


class BaseBackend:
    def speak(self, announcement: Announcement) -> None:  # pragma: no cover - interface
        """Have the zone's loudspeakers say it; raises OSError when the system did not
        take it."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def speak(self, announcement: Announcement) -> None:
        logger.info("loudspeakers of zone %s: %s", announcement.zone, announcement.text)


class MemoryBackend(BaseBackend):
    spoken: ClassVar[list[Announcement]] = []
    #: zones whose system is down (tests of a failed delivery)
    failing: ClassVar[set[str]] = set()

    def speak(self, announcement: Announcement) -> None:
        if announcement.zone in type(self).failing:
            raise OSError(f"zone {announcement.zone} did not answer")
        type(self).spoken.append(announcement)


class HttpBackend(BaseBackend):
    timeout = 10

    def __init__(self) -> None:
        url = settings.SPEAKER_URL
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ImproperlyConfigured(
                "SPEAKER_URL must be an https address: the requests carry the system's key."
            )
        self.url = url
        self.context = ssl.create_default_context(cafile=settings.SPEAKER_CA or None)

    def speak(self, announcement: Announcement) -> None:
        self.post(announcement)

    def post(self, announcement: Announcement) -> None:
        body = json.dumps(
            {
                "zone": announcement.zone,
                "text": announcement.text,
                "emergency": announcement.emergency,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the operator's configured https URL)
            self.url,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SPEAKER_KEY}",
            },
            method="POST",
        )
        with urllib.request.urlopen(  # noqa: S310 (https, checked above)
            request, timeout=self.timeout, context=self.context
        ) as response:
            if response.status >= 300:
                raise OSError(f"loudspeaker system answered {response.status}")


def backend() -> BaseBackend:
    return import_string(settings.SPEAKER_BACKEND)()
