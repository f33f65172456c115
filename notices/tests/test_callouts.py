"""Broadcasts to residents (天音, issue 25 item 1): an area or a list of households, by
loudspeaker zone, text message and the board and door pages; each delivery recorded; no
personal data in the words; non-emergencies wait for the day; residents opt out of
non-emergency texts on their door page."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from grid.models import Grid, GridHousehold, Hazard, HazardKind
from notices import callouts, sms, speakers
from notices.models import (
    Callout,
    CalloutKind,
    CalloutStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    SpeakerZone,
    TextOptOut,
)
from notices.tasks import callouts_due_task
from tests.factories import HouseholdFactory, RegionFactory, ResidentFactory
from villages.models import Level

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(hour: int, minute: int = 0, day: int = 23) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _empty_backends():
    sms.MemoryBackend.outbox.clear()
    speakers.MemoryBackend.spoken.clear()
    speakers.MemoryBackend.failing.clear()
    yield
    speakers.MemoryBackend.failing.clear()


@pytest.fixture
def area(village, group, sibling_village):
    """渡头村: 一组 with two households (a phone each), 二组 with one without a phone and
    one that opted out; a zone per group; 前湖村 next door with a household."""
    group2 = RegionFactory(
        code=f"{village.code}002", name="二组", level=Level.GROUP, parent=village
    )
    one = [HouseholdFactory(village=village, group=group) for _ in range(2)]
    for i, h in enumerate(one):
        ResidentFactory(household=h, phone=f"1390791000{i}")
    bare = HouseholdFactory(village=village, group=group2)
    ResidentFactory(household=bare, phone="")
    quiet = HouseholdFactory(village=village, group=group2)
    ResidentFactory(household=quiet, phone="13907912222")
    TextOptOut.objects.create(household=quiet)
    zone1 = SpeakerZone.objects.create(village=village, name="一组喇叭", zone_id="Z1")
    zone1.groups.set([group])
    zone2 = SpeakerZone.objects.create(village=village, name="二组喇叭", zone_id="Z2")
    zone2.groups.set([group2])
    neighbour = HouseholdFactory(village=sibling_village)
    ResidentFactory(household=neighbour, phone="13907913333")
    return {"one": one, "bare": bare, "quiet": quiet, "group2": group2, "neighbour": neighbour}


def _call(user, region, **changes):
    fields = {
        "sender": user,
        "region": region,
        "kind": CalloutKind.NOTICE,
        "title": "明日停水",
        "text": "明天上午八点至十二点停水检修，请提前储水。",
    }
    fields.update(changes)
    with timezone.override(SHANGHAI):
        return callouts.callout_create(**fields)


def statuses(callout, channel) -> dict[int | None, str]:
    return dict(
        Delivery.objects.filter(callout=callout, channel=channel).values_list(
            "household_id", "status"
        )
    )


# --- The words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "请360121199001011234到村委会",  # an ID number
        "有事请打 139 0791 5678",  # a phone, grouped
        "各低保户请于周五前到村部",  # a sensitive category of people
        "监测对象请注意",
    ],
)
def test_a_text_with_personal_data_is_refused_with_a_sentence(village_cadre, village, area, text):
    with pytest.raises(ValidationError) as refused:
        _call(village_cadre, village, text=text)
    assert "Remove" in str(refused.value) or "删除" in str(refused.value)
    assert not Callout.objects.exists()


def test_a_policy_may_name_its_programme(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(
            village_cadre, village, kind=CalloutKind.POLICY, text="低保政策调整说明会周五召开"
        )
    assert callout.total == 4


# --- When it goes out: an emergency at once, the rest in the day -------------------------


@pytest.mark.parametrize(
    ("written", "kind", "goes"),
    [
        (at(7, 59), CalloutKind.NOTICE, at(8)),  # before the day: this morning
        (at(8), CalloutKind.NOTICE, at(8)),  # the first minute of the day
        (at(20, 59), CalloutKind.POLICY, at(20, 59)),  # the last minute of the day
        (at(21), CalloutKind.NOTICE, at(8, day=24)),  # night: tomorrow morning
        (at(23, 30), CalloutKind.FLOOD, at(23, 30)),  # an emergency: at once
        (at(3), CalloutKind.FIRE, at(3)),
    ],
)
def test_non_emergencies_wait_for_daytime(written, kind, goes):
    with timezone.override(SHANGHAI):
        assert callouts.goes_out_at(kind, written) == goes


def test_a_notice_written_at_night_waits_and_the_periodic_task_sends_it_in_the_morning(
    village_cadre, village, area, django_capture_on_commit_callbacks, time_machine
):
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village, now=at(22))
    callout.refresh_from_db()
    assert callout.status == CalloutStatus.WAITING
    assert sms.MemoryBackend.outbox == []
    time_machine.move_to(at(7, 55))
    with django_capture_on_commit_callbacks(execute=True):
        assert callouts_due_task() == 0
    time_machine.move_to(at(8, 0, day=24))
    with django_capture_on_commit_callbacks(execute=True):
        assert callouts_due_task() == 1
    callout.refresh_from_db()
    assert callout.status == CalloutStatus.SENT
    assert len(sms.MemoryBackend.outbox) == 2


# --- Delivery per channel ----------------------------------------------------------------


def test_an_area_broadcast_is_spoken_per_zone_texted_and_recorded_per_household(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village)
    callout.refresh_from_db()
    assert (callout.status, callout.done, callout.total) == (CalloutStatus.SENT, 4, 4)
    # the loudspeakers of both zones said it, once each
    assert sorted(a.zone for a in speakers.MemoryBackend.spoken) == ["Z1", "Z2"]
    assert "明日停水" in speakers.MemoryBackend.spoken[0].text
    # texts to the two phones of 一组; none to 前湖村 next door
    assert sorted(m.to for m in sms.MemoryBackend.outbox) == ["13907910000", "13907910001"]
    assert all("明天上午八点" in m.text for m in sms.MemoryBackend.outbox)
    texts = statuses(callout, Channel.TEXT)
    assert texts == {
        area["one"][0].pk: DeliveryStatus.SENT,
        area["one"][1].pk: DeliveryStatus.SENT,
        area["bare"].pk: DeliveryStatus.NO_PHONE,
        area["quiet"].pk: DeliveryStatus.OPTED_OUT,
    }
    assert Delivery.objects.filter(callout=callout, channel=Channel.BOARD).count() == 1


def test_an_emergency_reaches_those_who_opted_out_of_texts(
    village_cadre, village, area, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(at(23))
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(
            village_cadre,
            village,
            kind=CalloutKind.FLOOD,
            title="山洪预警",
            text="今晚有强降雨，沿河住户立即转移到村小学。",
            now=at(23),
        )
    assert statuses(callout, Channel.TEXT)[area["quiet"].pk] == DeliveryStatus.SENT
    assert "13907912222" in [m.to for m in sms.MemoryBackend.outbox]
    assert all(a.emergency for a in speakers.MemoryBackend.spoken)


def test_a_zone_whose_system_fails_is_recorded_failed_and_the_rest_goes_on(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    speakers.MemoryBackend.failing.add("Z2")
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village)
    zones = dict(
        Delivery.objects.filter(callout=callout, channel=Channel.SPEAKER).values_list(
            "zone__zone_id", "status"
        )
    )
    assert zones == {"Z1": DeliveryStatus.SENT, "Z2": DeliveryStatus.FAILED}
    assert len(sms.MemoryBackend.outbox) == 2


def test_a_failed_text_is_recorded_without_the_number(
    village_cadre, village, area, django_capture_on_commit_callbacks, monkeypatch
):
    def down(self, messages):
        raise OSError(f"gateway refused {messages[0].to}")

    monkeypatch.setattr(sms.MemoryBackend, "send", down)
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village)
    failed = Delivery.objects.filter(callout=callout, status=DeliveryStatus.FAILED)
    assert failed.count() == 2
    assert all("1390791" not in d.detail for d in failed)


def test_a_group_broadcast_speaks_in_its_zone_and_texts_its_households_only(
    village_cadre, village, group, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village, groups=[group])
    assert [a.zone for a in speakers.MemoryBackend.spoken] == ["Z1"]
    assert set(statuses(callout, Channel.TEXT)) == {h.pk for h in area["one"]}


def test_a_list_of_households_is_reached_point_to_point(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    """点对点: the households of a hazard or an alert; the text does not say why."""
    chosen = [area["one"][1]]
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village, households=chosen, kind=CalloutKind.FIRE)
    assert callout.total == 1
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907910001"]
    assert [a.zone for a in speakers.MemoryBackend.spoken] == ["Z1"]


def test_a_grid_broadcast_reaches_the_grid_households(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    grid = Grid.objects.create(village=village, name="一网格")
    GridHousehold.objects.create(grid=grid, household=area["bare"])
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village, grids=[grid])
    assert statuses(callout, Channel.TEXT) == {area["bare"].pk: DeliveryStatus.NO_PHONE}


def test_a_village_without_zones_records_the_loudspeakers_failed(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    SpeakerZone.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village)
    speaker = Delivery.objects.get(callout=callout, channel=Channel.SPEAKER)
    assert speaker.status == DeliveryStatus.FAILED
    assert speakers.MemoryBackend.spoken == []


def test_a_second_run_texts_no_household_twice(
    village_cadre, village, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(village_cadre, village)
    assert callouts.send(callout.pk) is None  # sent: not taken again
    Callout.objects.filter(pk=callout.pk).update(status=CalloutStatus.SENDING)  # as if cut
    assert callouts.send(callout.pk) is None  # going out: a second worker does not take it
    callouts.send(callout.pk, resume=True)
    assert len(sms.MemoryBackend.outbox) == 2
    assert Delivery.objects.filter(callout=callout, channel=Channel.TEXT).count() == 4


def test_a_stalled_broadcast_is_resumed_by_the_periodic_task_after_an_hour(
    village_cadre, village, area, django_capture_on_commit_callbacks, time_machine
):
    callout = _call(village_cadre, village, by_speaker=False)  # not dispatched: no commit
    Callout.objects.filter(pk=callout.pk).update(status=CalloutStatus.SENDING)
    time_machine.move_to(at(10, 59))
    assert callouts.due() == ([], [])
    time_machine.move_to(at(11, 1))
    assert callouts.due() == ([], [callout.pk])
    with django_capture_on_commit_callbacks(execute=True):
        callouts_due_task()
    callout.refresh_from_db()
    assert callout.status == CalloutStatus.SENT
    assert len(sms.MemoryBackend.outbox) == 2


# --- Who broadcasts where ----------------------------------------------------------------


def test_a_cadre_broadcasts_to_their_village_only(village_cadre, sibling_village, township, area):
    with pytest.raises(PermissionDenied):
        _call(village_cadre, sibling_village)
    with pytest.raises(PermissionDenied):
        _call(village_cadre, township)


def test_a_township_officer_reaches_every_village_of_the_township(
    township_officer, township, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        callout = _call(township_officer, township)
    assert callout.total == 5  # 渡头村's four and 前湖村's one
    assert "13907913333" in [m.to for m in sms.MemoryBackend.outbox]


def test_a_grid_worker_does_not_broadcast(grid_worker, village, area):
    with pytest.raises(PermissionDenied):
        _call(grid_worker, village)


def test_groups_and_households_outside_the_area_are_refused(
    village_cadre, village, sibling_village, area
):
    other_group = RegionFactory(
        code=f"{sibling_village.code}001", name="一组", level=Level.GROUP, parent=sibling_village
    )
    with pytest.raises(ValidationError):
        _call(village_cadre, village, groups=[other_group])
    with pytest.raises(ValidationError):
        _call(village_cadre, village, households=[area["neighbour"]])


@pytest.mark.parametrize(("hours", "ok"), [(0, False), (1, True), (336, True), (337, False)])
def test_a_broadcast_shows_for_one_hour_to_two_weeks(village_cadre, village, area, hours, ok):
    if ok:
        assert _call(village_cadre, village, hours=hours, by_text=False, by_speaker=False)
    else:
        with pytest.raises(ValidationError):
            _call(village_cadre, village, hours=hours)


def test_a_broadcast_takes_at_least_one_channel(village_cadre, village, area):
    with pytest.raises(ValidationError):
        _call(village_cadre, village, by_speaker=False, by_text=False, on_board=False)


# --- The board, the door pages and the opt-out ------------------------------------------


def _door(client, household):
    return client.get(reverse("households:public", args=[household.public_token])).content.decode()


def test_the_door_page_shows_the_broadcasts_for_its_household_until_they_end(
    client, village_cadre, village, group, area, django_capture_on_commit_callbacks, time_machine
):
    with django_capture_on_commit_callbacks(execute=True):
        _call(village_cadre, village, groups=[group], title="一组修路", now=at(10), hours=2)
    assert "一组修路" in _door(client, area["one"][0])
    assert "一组修路" not in _door(client, area["bare"])  # 二组
    time_machine.move_to(at(11, 59))  # the last minute it shows
    assert "一组修路" in _door(client, area["one"][0])
    time_machine.move_to(at(12, 1))
    assert "一组修路" not in _door(client, area["one"][0])


def test_the_board_shows_area_broadcasts_not_those_to_chosen_households(
    client, village_cadre, village, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _call(village_cadre, village, title="全村大扫除")
        _call(village_cadre, village, title="单户提醒", households=[area["one"][0]])
    board = client.get(reverse("notices:board", args=[village.code])).content.decode()
    assert "全村大扫除" in board
    assert "单户提醒" not in board
    assert "单户提醒" in _door(client, area["one"][0])


def test_a_family_opts_out_of_non_emergency_texts_from_its_door_page(client, household):
    url = reverse("notices:texts", args=[household.public_token])
    assert "texts-now" in client.get(url).content.decode()
    response = client.post(url, {"choice": "0"})
    assert response.status_code == 200
    assert TextOptOut.objects.filter(household=household).exists()
    client.post(url, {"choice": "1"})
    assert not TextOptOut.objects.filter(household=household).exists()


def test_an_unknown_door_code_has_no_text_choice(client, db):
    assert client.get(reverse("notices:texts", args=["x" * 43])).status_code == 404


# --- Staff pages ---------------------------------------------------------------------------


def test_the_cadre_writes_a_broadcast_and_reads_its_deliveries(
    cadre_client, village, area, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = cadre_client.post(
            reverse("notices:callout_new"),
            {
                "region": village.pk,
                "kind": "landslide",
                "title": "滑坡预警",
                "text": "后山出现裂缝，山脚住户暂时撤离。",
                "by_speaker": "on",
                "by_text": "on",
                "on_board": "on",
                "hours": "24",
            },
        )
    callout = Callout.objects.get()
    assert response.status_code == 302
    page = cadre_client.get(reverse("notices:callout", args=[callout.pk])).content.decode()
    assert "4 / 4" in page or "4 户" in page or "4 of 4" in page
    assert 'data-status="no_phone"' in page


def test_a_refused_text_keeps_what_was_typed(cadre_client, village, area):
    response = cadre_client.post(
        reverse("notices:callout_new"),
        {
            "region": village.pk,
            "kind": "notice",
            "title": "通知",
            "text": "请致电13907915678",
            "hours": "24",
            "on_board": "on",
        },
    )
    assert response.status_code == 200
    assert "通知" in response.content.decode()
    assert not Callout.objects.exists()


def test_households_handed_over_by_id_prefill_the_form_within_scope(cadre_client, area):
    mine, theirs = area["one"][0], area["neighbour"]
    url = reverse("notices:callout_new") + f"?household={mine.pk}&household={theirs.pk}"
    page = cadre_client.get(url).content.decode()
    assert f'value="{mine.pk}"' in page
    assert f'value="{theirs.pk}"' not in page
    assert "chosen-households" in page


def test_a_broadcast_of_another_village_is_a_404(
    client, other_village_cadre, village_cadre, village, area
):
    callout = _call(village_cadre, village, by_text=False, by_speaker=False)
    client.force_login(other_village_cadre)
    assert client.get(reverse("notices:callout", args=[callout.pk])).status_code == 404
    assert "明日停水" not in client.get(reverse("notices:callouts")).content.decode()


def test_the_preset_picks_households_with_an_open_hazard(
    cadre_client, village, area, village_cadre
):
    Hazard.objects.create(
        village=village,
        household=area["one"][0],
        kind=HazardKind.FIRE,
        description="电线老化",
        deadline=datetime.date(2026, 11, 30),
        found_on=datetime.date(2026, 11, 20),
        reported_by=village_cadre,
    )
    cadre_client.post(
        reverse("notices:callout_new"),
        {
            "region": village.pk,
            "kind": "fire",
            "title": "用电安全",
            "text": "请检查家中电线。",
            "preset": "hazards",
            "hours": "24",
            "by_text": "on",
        },
    )
    assert list(Callout.objects.get().households.all()) == [area["one"][0]]


def test_zones_are_kept_by_the_village_cadre(cadre_client, village, group):
    url = reverse("notices:speaker_zones")
    cadre_client.post(url, {"village": village.pk, "name": "村部广场", "zone_id": "A-01"})
    zone = SpeakerZone.objects.get()
    assert zone.zone_id == "A-01"
    again = cadre_client.post(url, {"village": village.pk, "name": "重复", "zone_id": "A-01"})
    assert again.status_code == 200
    assert SpeakerZone.objects.count() == 1
    cadre_client.post(url, {"delete": zone.pk})
    assert not SpeakerZone.objects.exists()


# --- The loudspeaker backends --------------------------------------------------------------


def test_the_console_backends_log_what_was_spoken_and_texted_with_numbers_masked(
    village_cadre, village, area, django_capture_on_commit_callbacks, settings, caplog
):
    settings.SPEAKER_BACKEND = "notices.speakers.ConsoleBackend"
    settings.SMS_BACKEND = "notices.sms.ConsoleBackend"
    with caplog.at_level("INFO"), django_capture_on_commit_callbacks(execute=True):
        _call(village_cadre, village, kind=CalloutKind.LANDSLIDE, title="滑坡预警")
    spoken = [r.getMessage() for r in caplog.records if r.name == "notices.speakers"]
    texted = [r.getMessage() for r in caplog.records if r.name == "notices.sms"]
    assert sorted(line.split(":")[0] for line in spoken) == [
        "loudspeakers of zone Z1",
        "loudspeakers of zone Z2",
    ]
    assert all("滑坡预警" in line for line in spoken)
    assert sorted(line.split(":")[0] for line in texted) == [
        "text message to 139****0000",
        "text message to 139****0001",
        "text message to 139****2222",  # an emergency reaches the family that opted out
    ]
    assert "13907910000" not in caplog.text


class _Answer:
    status = 200

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_http_backend_posts_the_zone_and_text_with_the_key(settings, monkeypatch):
    settings.SPEAKER_URL = "https://speakers.example.gov.cn/api/speak"
    settings.SPEAKER_KEY = "k-123"
    posted = []

    def urlopen(request, timeout, context):
        posted.append(request)
        return _Answer()

    monkeypatch.setattr(speakers.urllib.request, "urlopen", urlopen)
    speakers.HttpBackend().speak(speakers.Announcement(zone="Z1", text="山洪预警", emergency=True))
    request = posted[0]
    assert request.full_url == "https://speakers.example.gov.cn/api/speak"
    assert request.headers["Authorization"] == "Bearer k-123"
    assert json.loads(request.data) == {"zone": "Z1", "text": "山洪预警", "emergency": True}


def test_the_http_backend_refuses_a_plain_http_address(settings):
    settings.SPEAKER_URL = "http://speakers.example.gov.cn/api/speak"
    with pytest.raises(ImproperlyConfigured):
        speakers.HttpBackend()


def test_the_village_square_speaks_to_the_whole_village_not_to_one_group(
    village_cadre, village, group, area, django_capture_on_commit_callbacks
):
    SpeakerZone.objects.create(village=village, name="村部广场", zone_id="SQ")
    with django_capture_on_commit_callbacks(execute=True):
        _call(village_cadre, village)
    assert sorted(a.zone for a in speakers.MemoryBackend.spoken) == ["SQ", "Z1", "Z2"]
    speakers.MemoryBackend.spoken.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _call(village_cadre, village, groups=[group])
    assert [a.zone for a in speakers.MemoryBackend.spoken] == ["Z1"]


@pytest.mark.parametrize("value", ["9" * 30, "²", "-1"])
def test_a_hostile_group_id_is_an_invalid_choice_not_a_server_error(
    cadre_client, village, area, value
):
    response = cadre_client.post(
        reverse("notices:callout_new"),
        {
            "region": village.pk,
            "kind": "notice",
            "title": "通知",
            "text": "明天停水",
            "groups": [value],
            "hours": "24",
        },
    )
    assert response.status_code == 200
    assert not Callout.objects.exists()
