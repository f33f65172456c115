"""Text messages (短信): one small backend interface, chosen by the SMS_BACKEND setting,
like Django's e-mail backends.

- notices.sms.ConsoleBackend (the default): writes each message to the log, the number
  masked; for development and for a portal without a gateway.
- notices.sms.MemoryBackend: keeps messages in `outbox` (tests).
- notices.sms.HttpGatewayBackend: posts each message as JSON to SMS_GATEWAY_URL with
  SMS_GATEWAY_KEY as a bearer token, signed with SMS_SIGNATURE (the 【签名】 Chinese
  operators require); a provider's own API is a subclass overriding `post`. The address
  must be https (the messages carry residents' and staff's phone numbers and the key);
  a gateway on an intranet with its own certificate authority names its CA bundle in
  SMS_GATEWAY_CA.

A backend returns how many messages it handed over; a failure raises, and the task tries
again later (notices.tasks.send_texts).
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

from households.masking import mask

logger = logging.getLogger("notices.sms")


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str


class BaseBackend:
    def send(self, messages: list[TextMessage]) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, messages: list[TextMessage]) -> int:
        for message in messages:
            logger.info("text message to %s: %s", mask(message.to, "phone"), message.text)
        return len(messages)


class MemoryBackend(BaseBackend):
    outbox: ClassVar[list[TextMessage]] = []

    def send(self, messages: list[TextMessage]) -> int:
        type(self).outbox.extend(messages)
        return len(messages)


class HttpGatewayBackend(BaseBackend):
    timeout = 10

    def __init__(self) -> None:
        self.url = gateway_url(settings.SMS_GATEWAY_URL)
        self.context = ssl.create_default_context(cafile=settings.SMS_GATEWAY_CA or None)

    def send(self, messages: list[TextMessage]) -> int:
        for message in messages:
            self.post(message)
        return len(messages)

    def post(self, message: TextMessage) -> None:
        body = json.dumps(
            {"to": message.to, "text": f"【{settings.SMS_SIGNATURE}】{message.text}"},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the operator's configured https URL)
            self.url,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
            },
            method="POST",
        )
        with urllib.request.urlopen(  # noqa: S310 (https, checked above)
            request, timeout=self.timeout, context=self.context
        ) as response:
            if response.status >= 300:
                raise OSError(f"SMS gateway answered {response.status}")


def gateway_url(url: str) -> str:
    """The gateway's address, refused (ImproperlyConfigured) unless it is https."""
    if urllib.parse.urlsplit(url).scheme != "https" or not urllib.parse.urlsplit(url).hostname:
        raise ImproperlyConfigured(
            "SMS_GATEWAY_URL must be an https address: the messages carry phone numbers."
        )
    return url


def backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
