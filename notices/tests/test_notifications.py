"""Notifications (天音 and SMS, issue 11): staff push a message to the cadres and grid
workers of a region; each user's inbox counts the unread; a text message goes through the
configured backend to those who gave a number, its task taking ids only; other apps tell
the right people through the same service (a village's new alerts, an escalated matter,
a listing waiting for approval)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from grid.models import MatterLevel
from grid.services import matter_create, matter_escalate
from households import services as registry
from notices import services, sms
from notices.models import Kind, Notification
from notices.tasks import send_texts
from tests.factories import HouseholdFactory, UserFactory
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.django_db


def _staff(role, region):
    user = UserFactory()
    StaffAssignment.objects.create(user=user, region=region, role=role)
    return user


@pytest.fixture
def people(
    village, sibling_village, other_village, township, village_cadre, grid_worker, township_officer
):
    return {
        "cadre": village_cadre,
        "grid": grid_worker,
        "sibling_cadre": _staff(Role.VILLAGE_CADRE, sibling_village),
        "far_cadre": _staff(Role.VILLAGE_CADRE, other_village),
        "clerk": _staff(Role.COOP_CLERK, village),
        "officer": township_officer,
    }


def inbox_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_a_broadcast_reaches_the_cadres_and_grid_workers_of_the_region_only(
    client, people, township
):
    client.force_login(people["officer"])
    response = client.post(
        reverse("notices:broadcast"),
        {
            "region": township.pk,
            "audience": "all",
            "title": "周五前完成入户核查",
            "body": "逐户核实",
        },
    )
    assert response.status_code == 302
    for told in ("cadre", "grid", "sibling_cadre"):
        assert inbox_of(people[told]) == ["周五前完成入户核查"]
    for untold in ("far_cadre", "clerk", "officer"):
        assert inbox_of(people[untold]) == []


def test_a_broadcast_to_grid_workers_skips_the_cadres(people, village):
    services.broadcast_send(
        sender=people["officer"], region=village, audience="grid", title="网格员培训"
    )
    assert inbox_of(people["grid"]) == ["网格员培训"]
    assert inbox_of(people["cadre"]) == []


def test_a_cadre_cannot_broadcast_beyond_their_village(client, people, township):
    client.force_login(people["cadre"])
    response = client.post(
        reverse("notices:broadcast"),
        {
            "region": township.pk,
            "audience": "all",
            "title": "越权",
        },
    )
    assert response.status_code == 200  # the form says the choice is not one of theirs
    assert not Notification.objects.exists()


def test_the_menu_counts_the_unread_and_reading_clears_it(
    client, people, village, django_capture_on_commit_callbacks
):
    client.force_login(people["cadre"])
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(
            sender=people["officer"], region=village, audience="all", title="第一条"
        )
        services.broadcast_send(
            sender=people["officer"], region=village, audience="all", title="第二条"
        )
    home = client.get("/").content.decode()
    assert '<span class="count" title="' in home
    assert ">2</span>" in home
    first = Notification.objects.filter(recipient=people["cadre"]).order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notices:inbox_read"), {"notification": first.pk})
    assert ">1</span>" in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notices:inbox_read"))
    assert 'class="count"' not in client.get("/").content.decode()
    assert not Notification.objects.filter(recipient=people["cadre"], read_at__isnull=True)


def test_one_cannot_read_or_mark_anothers_notifications(client, people, village):
    services.broadcast_send(
        sender=people["officer"], region=village, audience="cadres", title="给村干部"
    )
    theirs = Notification.objects.get(recipient=people["cadre"])
    client.force_login(people["grid"])
    assert "给村干部" not in client.get(reverse("notices:inbox")).content.decode()
    client.post(reverse("notices:inbox_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_text_messages_go_to_those_who_gave_a_number_by_id(
    people, village, django_capture_on_commit_callbacks, monkeypatch
):
    sms.MemoryBackend.outbox.clear()
    services.text_contact_set(people["cadre"], "139 0791 5678")
    calls = []
    monkeypatch.setattr(send_texts, "delay", lambda ids: calls.append(ids) or send_texts(ids))
    with django_capture_on_commit_callbacks(execute=True):
        services.broadcast_send(
            sender=people["officer"],
            region=village,
            audience="all",
            title="防汛紧急通知",
            by_text=True,
        )
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907915678"]
    assert "防汛紧急通知" in sms.MemoryBackend.outbox[0].text
    # the task's argument: notification ids, no number
    assert all(isinstance(pk, int) for pk in calls[0])
    assert "13907915678" not in repr(calls)
    # run again (a retry): nobody is texted twice
    send_texts(calls[0])
    assert len(sms.MemoryBackend.outbox) == 1
    assert "13907915678" not in people["cadre"].text_contact.phone_cipher


def test_the_console_backend_logs_a_masked_number(caplog):
    with caplog.at_level("INFO", logger="notices.sms"):
        sms.ConsoleBackend().send([sms.TextMessage(to="13907915678", text="测试")])
    assert "139****5678" in caplog.text
    assert "13907915678" not in caplog.text


def test_a_text_number_must_be_a_mobile(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.text_contact_set(people["cadre"], "0791-88888888")
    assert services.text_contact_set(people["cadre"], "") is None


def test_an_escalated_matter_tells_the_officers_of_its_new_level(people, village):
    matter = matter_create(
        village=village,
        user=people["cadre"],
        source="walk_in",
        category="problem",
        urgency="normal",
        title="桥断了",
    )
    matter_escalate(matter=matter, note="超时")
    assert matter.level == MatterLevel.TOWNSHIP
    told = Notification.objects.get(recipient=people["officer"])
    assert told.kind == Kind.MATTER
    assert "桥断了" in told.title
    assert told.link == reverse("grid:matter", args=[matter.pk])
    assert inbox_of(people["cadre"]) == []


def test_an_urgent_matter_sent_up_is_texted_in_words_without_its_title(
    people, village, django_capture_on_commit_callbacks
):
    sms.MemoryBackend.outbox.clear()
    services.text_contact_set(people["officer"], "13907915678")
    matter = matter_create(
        village=village,
        user=people["cadre"],
        source="walk_in",
        category="problem",
        urgency="urgent",
        title="张三家桥断了",
    )
    with django_capture_on_commit_callbacks(execute=True):
        matter_escalate(matter=matter, note="超时")
    told = Notification.objects.get(recipient=people["officer"])
    assert "张三" not in told.title
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907915678"]
    assert "张三" not in sms.MemoryBackend.outbox[0].text


def test_a_posted_listing_tells_the_villages_cadres(people, village, group):
    household = HouseholdFactory(village=village, group=group)
    registry.listing_post(household=household, kind="sell", product="脐橙")
    told = Notification.objects.get(recipient=people["cadre"])
    assert told.kind == Kind.PRODUCE
    assert "脐橙" in told.title
    assert inbox_of(people["grid"]) == []


def _self_signed(folder):
    """A certificate for 127.0.0.1 signed by itself (a county's own authority)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sms-gateway")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # a wide window: OpenSSL checks it on the machine's clock, not the tests' pinned one
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now + dt.timedelta(days=400))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "gateway.pem", folder / "gateway.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize("url", ["http://sms.example.gov.cn/send", "ftp://x/", "sms.example/send"])
def test_the_gateway_must_be_https(settings, url):
    settings.SMS_GATEWAY_URL = url
    with pytest.raises(ImproperlyConfigured):
        sms.HttpGatewayBackend()


def test_the_http_gateway_posts_each_message_signed_with_the_key(settings, tmp_path):
    import json
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            self.send_response(200 if len(received) == 1 else 503)
            self.end_headers()

        def log_message(self, *args):  # the test's output stays quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    cert, key = _self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_GATEWAY_URL = f"https://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_CA = str(cert)  # the intranet gateway's own authority
    settings.SMS_GATEWAY_KEY = "gateway-key"
    settings.SMS_SIGNATURE = "数字乡村"
    try:
        backend = sms.HttpGatewayBackend()
        assert backend.send([sms.TextMessage(to="13907915678", text="防汛通知")]) == 1
        assert received == [
            ("Bearer gateway-key", {"to": "13907915678", "text": "【数字乡村】防汛通知"})
        ]
        # a gateway that answers an error raises, so the task tries again later
        with pytest.raises(OSError, match="503"):
            backend.send([sms.TextMessage(to="13907915678", text="第二条")])
    finally:
        server.shutdown()
        server.server_close()
