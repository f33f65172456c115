"""The voice of the people (群众之声, issue 11): anonymous means it (the row keeps no
name, phone, address or household, and no log line holds them); a burst from one
address stores no more than the limit; the honeypot drops bots; CSRF is enforced; the
staff inbox moves a message through its states; a reply shows on the household page
only when the sender allowed it; a message becomes a grid matter."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from common.ratelimit import PER_SENDER_AND_HOUSEHOLD
from grid.models import Matter, MatterSource
from households.models import AccessEvent
from notices import services
from notices.models import Feedback, Notification, VoiceStatus
from tests.factories import HouseholdFactory, ResidentFactory
from tests.leaks import CAPTURED

pytestmark = pytest.mark.django_db

SENDER_IP = "203.0.113.77"
PHONE = "13907915678"


@pytest.fixture
def home(village, group):
    household = HouseholdFactory(village=village, group=group, number="0042")
    ResidentFactory(household=household, relation="head", name="王大成")
    return household


def _tables_holding(markers: list[str]) -> list[str]:
    """The tables with a value containing one of the markers (every column, every row)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            text = repr(cursor.fetchall())
            found += [f"{table}: {m}" for m in markers if m in text]
    return found


def _url(household) -> str:
    return reverse("notices:voice_form", args=[household.public_token])


def _post(client, household, ip=SENDER_IP, **data):
    message = {"topic": "complaint", "text": "村干部分配救助款不公开，请查一查。", **data}
    return client.post(_url(household), message, REMOTE_ADDR=ip)


def test_an_anonymous_message_leaves_no_personal_data_anywhere(client, home, caplog):
    caplog.set_level(logging.DEBUG)
    lines_before = len(CAPTURED.lines)
    # a sender who ticks "anonymous" but also typed a name and a phone: neither is kept
    response = _post(
        client,
        home,
        anonymous="on",
        name="王小明",
        phone=PHONE,
        HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0",
    )
    assert response.status_code == 200
    feedback = Feedback.objects.get()
    assert feedback.anonymous
    assert feedback.household_id is None
    assert (feedback.name, feedback.phone_cipher, feedback.phone_masked) == ("", "", "")
    assert feedback.village_id == home.village_id
    row = repr(list(Feedback.objects.values().get().values()))
    for personal in ["王小明", PHONE, PHONE[-4:], SENDER_IP, home.public_token, "MicroMessenger"]:
        assert personal not in row
    # nor in the cadres' notification of it, nor in any other table
    told = repr(list(Notification.objects.values()))
    for personal in ["王小明", PHONE, SENDER_IP]:
        assert personal not in told
    assert not list(_tables_holding(["王小明", PHONE, SENDER_IP]))
    # nor in any log line written while it was received (the portal's and the captured
    # request lines of the whole suite)
    logged = "\n".join([r.getMessage() for r in caplog.records] + CAPTURED.lines[lines_before:])
    for personal in ["王小明", PHONE, SENDER_IP]:
        assert personal not in logged
    # the sender got a receipt to read the reply; no time of day is kept
    page = response.content.decode()
    assert reverse("notices:voice_receipt", args=[feedback.receipt]) in page
    assert not hasattr(feedback, "created_at")


def test_an_anonymous_message_cannot_be_tied_to_its_household(client, home, village_cadre):
    """Issue 21: the access log (its path at the same second), the notification's exact
    time and the rate limiter's key named in Redis each tied the message to its plaque."""
    from django.core.cache import cache
    from django.utils import timezone

    lines_before = len(CAPTURED.lines)
    response = _post(
        client,
        home,
        anonymous="on",
        HTTP_USER_AGENT="MicroMessenger/8.0",
        HTTP_REFERER=f"https://portal{_url(home)}",
    )
    assert response.status_code == 200
    # no log line the portal's handlers write holds the code, the address or the browser
    written = "\n".join(CAPTURED.lines[lines_before:])
    assert "/h/-/voice/" in written
    for trace in [home.public_token, SENDER_IP, "MicroMessenger"]:
        assert trace not in written
    # the cadre is told, with the day, not the second
    told = Notification.objects.get(recipient=village_cadre)
    local = timezone.localtime(told.created_at)
    assert (local.date(), local.time()) == (timezone.localdate(), datetime.time.min)
    # the limits' counters are named by keyed hashes that change with the day
    keys = [k for k in cache._cache if "ratelimit" in k]  # locmem's own keys
    assert keys
    assert not [k for k in keys if str(home.pk) == k.rsplit(":", 1)[-1] or "household" in k]


def test_a_named_message_s_notification_keeps_its_time(client, home, village_cadre):
    _post(client, home, name="王小明")
    told = Notification.objects.get(recipient=village_cadre)
    assert timezone_seconds(told.created_at) != 0


def timezone_seconds(moment) -> int:
    return moment.second + moment.minute * 60 + moment.microsecond


def test_a_named_message_keeps_its_sender_with_the_phone_encrypted(client, home):
    _post(client, home, name="王小明", phone=PHONE, publish_reply="on")
    feedback = Feedback.objects.get()
    assert not feedback.anonymous
    assert feedback.household_id == home.pk
    assert feedback.name == "王小明"
    assert PHONE not in feedback.phone_cipher
    assert feedback.phone == PHONE
    assert feedback.phone_masked == "139****5678"


def test_a_named_message_needs_a_name(client, home):
    response = _post(client, home, name="")
    assert response.status_code == 200
    assert not Feedback.objects.exists()


def test_a_burst_of_100_posts_from_one_address_stores_no_more_than_the_limit(client, home, village):
    """To one household: its per-sender limit; spread over households: the address's."""
    statuses = [
        _post(client, home, anonymous="on", text=f"第{n}条意见：路灯坏了").status_code
        for n in range(100)
    ]
    limit = PER_SENDER_AND_HOUSEHOLD
    assert Feedback.objects.count() == limit
    assert statuses[:limit] == [200] * limit
    assert set(statuses[limit:]) == {429}
    # from another address, spread over households: the address's own limit
    others = [HouseholdFactory(village=village) for _n in range(10)]
    for n in range(100):
        _post(client, others[n % 10], ip="198.51.100.8", anonymous="on", text=f"第{n}条：路灯")
    assert Feedback.objects.count() == limit + settings.VOICE_PER_CONNECTION


def test_a_stranger_cannot_use_up_a_household_s_day(client, home):
    """Issue 21: five posts from each of two addresses used up the household's ten."""
    for ip in ("198.51.100.1", "198.51.100.2"):
        for _n in range(5):
            _post(client, home, ip=ip, anonymous="on")
    assert Feedback.objects.count() == 2 * PER_SENDER_AND_HOUSEHOLD
    assert _post(client, home, ip="203.0.113.9", anonymous="on").status_code == 200


def test_the_household_limit_holds_across_addresses(client, home):
    for n in range(settings.VOICE_PER_HOUSEHOLD + 5):
        _post(client, home, ip=f"198.51.100.{n}", anonymous="on")
    assert Feedback.objects.count() == settings.VOICE_PER_HOUSEHOLD


def test_the_honeypot_drops_bots_and_their_posts_do_not_count(client, home):
    for _n in range(20):
        response = _post(client, home, anonymous="on", website="http://spam.example")
        assert response.status_code == 200  # a bot learns nothing
    assert not Feedback.objects.exists()
    assert _post(client, home, anonymous="on").status_code == 200  # a person still may
    assert Feedback.objects.count() == 1


def test_a_post_without_the_csrf_token_is_refused(home):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        _url(home), {"topic": "question", "text": "请问医保怎么交？", "anonymous": "on"}
    )
    assert response.status_code == 403
    assert not Feedback.objects.exists()


def test_an_unknown_code_has_no_voice_form(client):
    assert client.get(reverse("notices:voice_form", args=["x" * 32])).status_code == 404


def test_the_inbox_moves_a_message_through_its_states(cadre_client, client, home, village_cadre):
    _post(client, home, name="王小明", publish_reply="on")
    feedback = Feedback.objects.get()
    listing = cadre_client.get(reverse("notices:voice")).content.decode()
    assert reverse("notices:voice_detail", args=[feedback.pk]) in listing
    action = reverse("notices:voice_action", args=[feedback.pk])
    cadre_client.post(action, {"action": "take"})
    feedback.refresh_from_db()
    assert feedback.status == VoiceStatus.HANDLING
    assert feedback.handled_by == village_cadre
    cadre_client.post(action, {"action": "reply", "reply": "已安排专人核查，下周公示结果。"})
    feedback.refresh_from_db()
    assert feedback.status == VoiceStatus.REPLIED
    cadre_client.post(action, {"action": "close"})
    feedback.refresh_from_db()
    assert feedback.status == VoiceStatus.CLOSED
    assert feedback.closed_at
    # closed: no longer in the open list, in the closed one
    assert "王小明" not in cadre_client.get(reverse("notices:voice")).content.decode()
    closed = cadre_client.get(reverse("notices:voice"), {"status": "closed"}).content.decode()
    assert "王小明" in closed


def test_a_reply_shows_on_the_household_page_only_when_the_sender_allowed_it(
    client, home, village_cadre, django_capture_on_commit_callbacks
):
    page_url = reverse("households:public", args=[home.public_token])
    client.get(page_url)  # the page is kept before the replies
    allowed = services.feedback_receive(
        household=home,
        topic="suggestion",
        text="路灯坏了两盏",
        anonymous=False,
        name="王小明",
        publish_reply=True,
    )
    private = services.feedback_receive(
        household=home,
        topic="question",
        text="低保怎么申请？",
        anonymous=False,
        name="王小明",
        publish_reply=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_reply(allowed, user=village_cadre, reply="REPLYPUBLIC本周修好")
        services.feedback_reply(private, user=village_cadre, reply="REPLYPRIVATE请带材料来")
    page = client.get(page_url).content.decode()
    assert "REPLYPUBLIC本周修好" in page
    assert "REPLYPRIVATE" not in page
    assert "低保" not in page
    assert "路灯坏了" not in page


def test_an_anonymous_sender_reads_the_reply_with_the_receipt(client, home, village_cadre):
    _post(client, home, anonymous="on")
    feedback = Feedback.objects.get()
    services.feedback_reply(feedback, user=village_cadre, reply="已转交镇纪委核查。")
    page = client.get(reverse("notices:voice_receipt", args=[feedback.receipt]))
    assert page.status_code == 200
    assert "已转交镇纪委核查。" in page.content.decode()
    assert client.get(reverse("notices:voice_receipt", args=["a" * 22])).status_code == 404


def test_a_message_becomes_a_grid_matter(cadre_client, client, home):
    _post(
        client, home, name="王小明", publish_reply="on", text="村东头的桥栏杆断了，孩子上学危险。"
    )
    feedback = Feedback.objects.get()
    response = cadre_client.post(
        reverse("notices:voice_action", args=[feedback.pk]),
        {"action": "matter", "category": "infrastructure", "urgency": "urgent"},
    )
    matter = Matter.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/matters/{matter.pk}/")
    assert matter.source == MatterSource.FEEDBACK
    assert matter.household_id == home.pk
    assert matter.notify_resident
    assert "桥栏杆断了" in matter.description
    feedback.refresh_from_db()
    assert feedback.matter_id == matter.pk
    assert feedback.status == VoiceStatus.HANDLING
    # twice: refused, still one matter
    cadre_client.post(
        reverse("notices:voice_action", args=[feedback.pk]),
        {"action": "matter", "category": "infrastructure", "urgency": "urgent"},
    )
    assert Matter.objects.count() == 1


def test_an_anonymous_matter_has_no_household(cadre_client, client, home):
    _post(client, home, anonymous="on")
    feedback = Feedback.objects.get()
    cadre_client.post(
        reverse("notices:voice_action", args=[feedback.pk]),
        {"action": "matter", "category": "problem", "urgency": "normal"},
    )
    assert Matter.objects.get().household_id is None


def test_the_senders_phone_is_revealed_with_a_reason_and_recorded(
    client, home, village_cadre, plain_cadre
):
    _post(client, home, name="王小明", phone=PHONE)
    feedback = Feedback.objects.get()
    url = reverse("notices:voice_phone", args=[feedback.pk])
    client.force_login(village_cadre)
    detail = client.get(reverse("notices:voice_detail", args=[feedback.pk])).content.decode()
    assert "139****5678" in detail
    assert PHONE not in detail
    assert PHONE not in client.get(url).content.decode()  # the reason form first
    revealed = client.post(url, {"reason": "回电核实反映的问题"})
    assert PHONE in revealed.content.decode()
    event = AccessEvent.objects.get()
    assert event.user == village_cadre
    assert event.reason == "回电核实反映的问题"
    client.force_login(plain_cadre)  # a cadre without the right
    assert client.get(url).status_code == 403


def test_the_inbox_exports_the_messages_shown_as_text(cadre_client, client, home):
    _post(client, home, name="王小明", phone=PHONE, text='=HYPERLINK("http://x")路灯坏了')
    _post(client, home, anonymous="on", text="垃圾清运不及时")
    response = cadre_client.get(reverse("notices:voice"), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = list(sheet.iter_rows(min_row=2))
    rows = [[c.value for c in row] for row in cells]
    assert len(rows) == 2
    typed = {row[3].value: row[3].data_type for row in cells}
    assert typed['=HYPERLINK("http://x")路灯坏了'] == "s"  # text as text, not a formula
    senders = {row[4] for row in rows}
    assert senders == {"王小明", "匿名"}
    assert PHONE not in repr(rows)
    assert "139****5678" not in repr(rows)


def test_a_resolved_matter_answers_the_message_it_came_from_once(
    cadre_client, client, home, village_cadre, django_capture_on_commit_callbacks
):
    from grid.services import matter_resolve

    _post(client, home, name="王小明", publish_reply="on", text="桥栏杆断了，孩子上学危险。")
    _post(client, home, ip="198.51.100.9", anonymous="on", text="村口的路灯坏了一个月了")
    named, anonymous = Feedback.objects.order_by("pk")
    for feedback in (named, anonymous):
        services.feedback_to_matter(
            feedback, user=village_cadre, category="infrastructure", urgency="normal"
        )
    with django_capture_on_commit_callbacks(execute=True):
        for matter in Matter.objects.order_by("pk"):
            matter_resolve(matter=matter, user=village_cadre, reply=f"REPLY{matter.pk}已修好")
    named.refresh_from_db()
    anonymous.refresh_from_db()
    assert named.status == anonymous.status == VoiceStatus.REPLIED
    assert anonymous.reply == f"REPLY{anonymous.matter_id}已修好"
    receipt = client.get(reverse("notices:voice_receipt", args=[anonymous.receipt]))
    assert anonymous.reply in receipt.content.decode()
    page = client.get(reverse("households:public", args=[home.public_token])).content.decode()
    assert page.count(named.reply) == 1  # among the grid's replies, not twice
    assert anonymous.reply not in page


def test_guessing_receipts_is_refused_like_guessing_household_codes(client, home):
    from households.public import MISSES_ALLOWED

    answers = [
        client.get(
            reverse("notices:voice_receipt", args=[f"guess{n:04d}"]), REMOTE_ADDR="192.0.2.50"
        ).status_code
        for n in range(MISSES_ALLOWED + 3)
    ]
    assert answers[:MISSES_ALLOWED] == [404] * MISSES_ALLOWED
    assert set(answers[MISSES_ALLOWED:]) == {429}
    # the same connection is refused a household page too: one count for all codes
    page = client.get(
        reverse("households:public", args=[home.public_token]), REMOTE_ADDR="192.0.2.50"
    )
    assert page.status_code == 429
