"""The buttons of a record's page (approve, refuse, close, publish, pin…): one way to run
the action a POST names.

A view lists its actions as {name: (service call, sentence on success)}; `run_action`
runs the one posted, shows its sentence, or shows the refusal's sentences (a
ValidationError, or the app's own refusal) as errors and nothing changes. An unknown
action is an error sentence too. Permission is the service's to decide (a
PermissionDenied goes on to the 403 page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

#: the service call, and the sentence once it is done (or a function of its result)
Step = tuple[Callable[[], Any], Any]

NOTHING = object()  # what run_action returns when the action did not happen


def run_action(
    request: HttpRequest,
    steps: dict[str, Step],
    *,
    refusals: tuple[type[Exception], ...] = (ValidationError,),
) -> Any:
    """Run the posted action; its result, or NOTHING when it was refused or unknown."""
    step = steps.get(request.POST.get("action", ""))
    if step is None:
        messages.error(request, _("Unknown action."))
        return NOTHING
    call, done = step
    try:
        result = call()
    except refusals as exc:
        text = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        messages.error(request, " ".join(str(t) for t in text))
        return NOTHING
    messages.success(request, done(result) if callable(done) else done)
    return result
