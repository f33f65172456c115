"""Text messages at once (issue 25 item 1): staff for anomalies they must act on (an
urgent matter), in words that hold no one's data; residents who left a phone on a
listing or a named message, when it is refused or answered. Tasks take ids, never
numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from grid.models import MatterCategory, MatterSource, Urgency
from grid.services import matter_create
from households import services as registry
from notices import services, sms
from notices.models import Feedback
from notices.tasks import text_resident
from points.services import produce_buy  # the co-op's purchase closes a listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.MemoryBackend.outbox.clear()


def _matter(user, village, household, urgency):
    return matter_create(
        village=village,
        user=user,
        source=MatterSource.VISIT,
        category=MatterCategory.INFRASTRUCTURE,
        urgency=urgency,
        title="张三家屋顶漏雨",
        household=household,
    )


@pytest.mark.parametrize(("urgency", "texted"), [(Urgency.URGENT, True), (Urgency.NORMAL, False)])
def test_the_cadres_are_texted_at_once_of_an_urgent_matter_without_its_words(
    village,
    household,
    village_cadre,
    grid_worker,
    django_capture_on_commit_callbacks,
    urgency,
    texted,
):
    services.text_contact_set(village_cadre, "13907915678")
    with django_capture_on_commit_callbacks(execute=True):
        _matter(grid_worker, village, household, urgency)
    sent = [m for m in sms.MemoryBackend.outbox if m.to == "13907915678"]
    assert bool(sent) is texted
    for message in sent:
        assert "张三" not in message.text
        assert "渡头村" in message.text


def _listing(household, phone="13907911111"):
    return registry.listing_post(household=household, kind="sell", product="脐橙", phone=phone)


def test_a_poster_who_left_a_phone_hears_the_listing_was_refused(
    household, village_cadre, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(
        text_resident, "delay", lambda kind, pk: calls.append((kind, pk)) or text_resident(kind, pk)
    )
    listing = _listing(household)
    assert listing.phone_masked == "139****1111"
    with django_capture_on_commit_callbacks(execute=True):
        registry.listing_refuse(listing, user=village_cadre, reason="图片不清")
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907911111"]
    assert "脐橙" in sms.MemoryBackend.outbox[0].text
    assert calls == [("listing_refused", listing.pk)]  # the id, never the number


def test_a_poster_without_a_phone_is_not_texted(
    household, village_cadre, django_capture_on_commit_callbacks
):
    listing = _listing(household, phone="")
    with django_capture_on_commit_callbacks(execute=True):
        registry.listing_refuse(listing, user=village_cadre, reason="图片不清")
    assert sms.MemoryBackend.outbox == []


def test_a_landline_is_refused_for_texts(household):
    with pytest.raises(ValidationError, match=r"mobile|手机"):
        _listing(household, phone="0791-85551234")


def test_a_poster_hears_the_co_op_bought_the_produce(
    household, village_cadre, coop_clerk, django_capture_on_commit_callbacks
):
    listing = _listing(household)
    registry.listing_approve(listing, user=village_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        produce_buy(listing=listing, clerk=coop_clerk, quantity=Decimal(100), price=Decimal("3.50"))
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907911111"]
    assert "脐橙" in sms.MemoryBackend.outbox[0].text


def _named(household):
    return services.feedback_receive(
        household=household,
        topic="suggestion",
        text="村口路灯坏了好几天",
        anonymous=False,
        name="张三",
        phone="13907912222",
    )


def test_a_named_sender_hears_the_answer(
    household, village_cadre, django_capture_on_commit_callbacks
):
    feedback = _named(household)
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_reply(feedback, user=village_cadre, reply="已报修，明天修好")
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907912222"]
    # the answer itself is read on the page, not sent about
    assert "明天修好" not in sms.MemoryBackend.outbox[0].text


def test_a_named_sender_hears_the_message_was_closed_unanswered(
    household, village_cadre, django_capture_on_commit_callbacks
):
    feedback = _named(household)
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_close(feedback, user=village_cadre)
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907912222"]


def test_an_anonymous_sender_is_never_texted(
    household, village_cadre, django_capture_on_commit_callbacks
):
    feedback = services.feedback_receive(
        household=household, topic="suggestion", text="村口路灯坏了好几天", anonymous=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.feedback_reply(feedback, user=village_cadre, reply="已报修")
    assert sms.MemoryBackend.outbox == []
    assert Feedback.objects.get().phone_cipher == ""
