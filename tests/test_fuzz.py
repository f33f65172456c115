"""Every URL pattern, as every role and anonymously, with hostile values in every query
parameter and form field the code reads, and in every path parameter: no answer is a
5xx (issue 21: about 30 URL/field pairs answered 500). NUL bytes fail only on
PostgreSQL, so CI runs this on both databases.

The parameter names are read from the code itself (every `request.GET/POST.get(...)`
and every form field of the apps' forms), so a new parameter is fuzzed the day it lands.
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver

from tests.test_permission_matrix import MATRIX, PERSONAS

ROOT = Path(__file__).resolve().parent.parent
APPS = ["villages", "households", "grid", "points", "notices", "monitoring", "config"]

BAD = [
    "²",  # a superscript digit: str.isdigit() is true, int() fails
    "١٢",  # Arabic-Indic digits: int() takes them
    "9" * 30,  # past any integer column
    "-1",
    "0000-00",  # a year 0, a month 0
    "2026-02-30",
    "x" * 300 + "' OR 1=1 --<script>alert(1)</script>",  # long, SQL and HTML at once
    "a\x00b",  # PostgreSQL refuses NUL in text
]
PATH_BAD = ["9" * 30, "²", "x" * 300 + "' OR '1'='1"]


def _code_parameters() -> set[str]:
    """Names the views read from request.GET/POST, and the apps' form fields."""
    names: set[str] = set()
    pattern = re.compile(r"request\.(?:GET|POST)(?:\.get(?:list)?\(|\[)\s*\"([^\"]+)\"")
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            names |= set(pattern.findall(text))
            if path.name.startswith("forms"):
                tree = ast.parse(text)
                for node in ast.walk(tree):
                    if isinstance(node, ast.ClassDef):
                        module = __import__(
                            ".".join(path.relative_to(ROOT).with_suffix("").parts),
                            fromlist=[node.name],
                        )
                        cls = getattr(module, node.name, None)
                        if inspect.isclass(cls) and issubclass(cls, forms.BaseForm):
                            names |= set(cls.base_fields)
    return names


def _patterns(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _with_path_values(route: str, value: str) -> str | None:
    if route.startswith("admin/") or "^" in route or "(?P" in route:
        return None
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


PARAMS = sorted(_code_parameters())


_READS = re.compile(r"request\.(?:GET|POST)(?:\.get(?:list)?\(|\[)\s*\"([^\"]+)\"")
_CALLS = re.compile(r"\b(_\w+|[a-z]\w*)\(")


def _source_of(view) -> str:
    """The view's source and that of the module's functions it calls (two levels): the
    helpers that read its parameters (`_filtered(request)`)."""
    module = inspect.getmodule(view)
    try:
        text = inspect.getsource(view)
    except (OSError, TypeError):
        return Path(module.__file__).read_text(encoding="utf-8") if module else ""
    seen = {view.__name__}
    for _level in range(2):
        for name in set(_CALLS.findall(text)) - seen:
            seen.add(name)
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper.__module__ == module.__name__:
                text += inspect.getsource(helper)
    return text


_SWITCH = re.compile(r"""(?:==\s*|in \(|, )"([a-z][a-z_]{1,19})"(?=[,)\s:])""")


def _switches(view) -> list[str]:
    """The values a view compares its parameters with (`action == "assign"`,
    `action in ("grant", "revoke")`)."""
    return sorted(set(_SWITCH.findall(_source_of(view))))


def _view_parameters(view) -> list[str]:
    """The parameters a view reads, and the fields of the forms it names."""
    module = inspect.getmodule(view)
    if module is None or not getattr(module, "__file__", None):
        return PARAMS
    app = module.__name__.split(".")[0]
    text = _source_of(view)
    names = set(_READS.findall(text))
    for form in FORMS.get(app, ()):
        if re.search(rf"\b{form.__name__}\b", text):
            names |= set(form.base_fields)
    return sorted(names)


def _forms() -> dict[str, list[type[forms.BaseForm]]]:
    found: dict[str, list[type[forms.BaseForm]]] = {}
    for app in APPS:
        for path in (ROOT / app).glob("forms*.py"):
            module = __import__(f"{app}.{path.stem}", fromlist=["*"])
            for cls in vars(module).values():
                ours = inspect.isclass(cls) and cls.__module__ == module.__name__
                if ours and issubclass(cls, forms.BaseForm):
                    found.setdefault(app, []).append(cls)
    return found


FORMS = _forms()


@pytest.fixture
def real_urls(objects, household):
    """The matrix's URLs with real objects, and the public pages of a real household and
    village."""
    urls = {url.rpartition(" ")[2].partition("?")[0].format(**objects) for url, _e in MATRIX}
    token, code = household.public_token, household.village.code
    urls |= {
        f"/h/{token}/",
        f"/h/{token}/voice/",
        f"/h/{token}/produce/",
        f"/h/{token}/hardship/",
        f"/v/{code}/",
        f"/v/{code}/points/",
        f"/v/{code}/market/",
        "/login/",
        "/",
        "/healthz/",
    }
    return sorted(urls)


def _bad_path_urls() -> list[str]:
    urls = set()
    for route in _patterns(get_resolver().url_patterns):
        for value in PATH_BAD:
            if (url := _with_path_values(route, value)) is not None:
                urls.add(url)
    return sorted(urls)


#: what the run sent, for the summary line at the end of the suite (tests/conftest.py)
SENT = {"requests": 0, "server_errors": 0, "personas": set(), "urls": set()}


def _send(client, method: str, url: str, data: dict, failures: list[str], label: str) -> None:
    if method == "post":  # urlencoded: multipart would cost half the run to parse
        body = urlencode(data)
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(url, data)
    SENT["requests"] += 1
    SENT["urls"].add(url)
    if response.status_code >= 500:
        SENT["server_errors"] += 1
        failures.append(f"{method.upper()} {url} {label}")
        if dump := os.environ.get("FUZZ_DUMP"):
            with open(dump, "a", encoding="utf-8") as out:
                out.write(f"{method.upper()} {url} {label}\n")


@pytest.fixture(autouse=True)
def _quiet():
    """Tens of thousands of requests of hostile text: their request lines are not kept
    for the suite's leak scan (they hold no ID number; the scan's regex over each 40 KB
    line was half the time) and the 4xx warnings are not logged (a 5xx fails the test)."""
    from django.core.signals import request_started

    from tests.leaks import log_request_line

    request_started.disconnect(log_request_line)
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(quiet, levels, strict=True):
        logger.setLevel(level)
    request_started.connect(log_request_line)


def _login(request, client, persona: str) -> None:
    SENT["personas"].add(persona)
    client.raise_request_exception = False
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_path_values_get_no_server_error(request, client, db, persona):
    _login(request, client, persona)
    failures: list[str] = []
    urls = _bad_path_urls()
    for url in urls:
        for method in ("get", "post"):
            _send(client, method, url, {}, failures, "")
    assert failures == [], f"{len(failures)} of {2 * len(urls)}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_values_in_every_parameter_at_once_get_no_server_error(
    request, client, real_urls, persona
):
    _login(request, client, persona)
    failures: list[str] = []
    for url in real_urls:
        # a page the persona cannot open answers so before reading parameters (login,
        # 403, 404): two values check that; the others get every value
        probe = client.get(url)
        shut = probe.status_code in (403, 404) or (
            probe.status_code == 302 and probe["Location"].startswith("/login/")
        )
        for value in BAD[:2] if shut else BAD:
            everything = dict.fromkeys(PARAMS, value)
            for method in ("get", "post"):
                _send(client, method, url, everything, failures, f"all={value[:12]!r}")
        if shut:
            continue
        # the branches behind an action switch (`action == "assign"`): each one taken
        # with every other parameter hostile
        view = get_resolver().resolve(url.partition("?")[0]).func
        for switch in _switches(view):
            for value in BAD[:3]:
                data = dict.fromkeys(PARAMS, value) | {"action": switch, "form": switch}
                _send(client, "post", url, data, failures, f"action={switch} all={value[:12]!r}")
    assert failures == [], f"{len(failures)}"


@pytest.mark.parametrize("persona", ["anonymous", "village_cadre", "county_officer"])
def test_a_hostile_value_in_each_parameter_alone_gets_no_server_error(
    request, client, real_urls, persona
):
    """Alone, so that no earlier parameter's refusal hides a later one's fault; each
    view's own parameters, each with its turn of the hostile values."""
    _login(request, client, persona)
    failures: list[str] = []
    for url in real_urls:
        match = get_resolver().resolve(url.partition("?")[0])
        for i, name in enumerate(_view_parameters(match.func)):
            for j, method in enumerate(("get", "post")):
                value = BAD[(i + j) % len(BAD)]
                _send(client, method, url, {name: value}, failures, f"{name}={value[:12]!r}")
    assert failures == [], f"{len(failures)}"
