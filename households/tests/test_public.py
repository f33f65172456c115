"""The public household page (/h/<token>/): what a neighbour who scans the door plaque
sees, and what nobody can learn from it (DESIGN §1.4, §5; issue 9)."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse

from conftest import IN_CI
from households import public
from households.models import Household, PublicInfo
from tests.factories import HouseholdFactory, ResidentFactory
from villages.registry import PublicPanel, portal

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(village, group):
    household = HouseholdFactory(
        village=village, group=group, number="0042", motto="勤俭持家，耕读传家"
    )
    ResidentFactory(household=household, relation="head", name="张三力")
    ResidentFactory(household=household, relation="spouse", name="李四梅")
    return household


def _page(client, token: str, address: str = "10.0.0.1"):
    return client.get(reverse("households:public", args=[token]), REMOTE_ADDR=address)


def test_the_page_names_the_household_by_number_and_masked_head(client, family, village, group):
    PublicInfo.objects.create(region=village, slogan="美丽乡村 幸福家园")
    PublicInfo.objects.create(
        region=group, representative_name="王代表", representative_phone="0791-85712345"
    )
    response = _page(client, family.public_token)
    assert response.status_code == 200
    page = response.content.decode()
    assert "张*力家" in page
    assert "0042" in page
    assert "勤俭持家，耕读传家" in page
    assert "美丽乡村 幸福家园" in page
    assert "王代表" in page
    assert 'href="tel:0791-85712345"' in page
    assert "张三力" not in page
    assert "李四梅" not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "<script" not in page


def test_the_parts_are_the_apps_public_panels_in_their_order(client, family, monkeypatch):
    """The page names no app: each part is a panel some app registered, with its title,
    in its order; an app not installed (its panel not registered) leaves no trace."""
    page = _page(client, family.public_token).content.decode()
    keys = ["points", "replies", "notices", "produce", "voice", "hardship"]
    assert [page.index(f'id="{key}"') for key in keys] == sorted(
        page.index(f'id="{key}"') for key in keys
    )
    assert '<h2 id="h-points">道德积分与荣誉</h2>' in page
    # an app not installed: its part is gone, the others stay
    monkeypatch.setattr(
        portal, "public_panels", [p for p in portal.public_panels if p.key != "voice"]
    )
    cache.clear()
    page = _page(client, family.public_token).content.decode()
    assert 'id="voice"' not in page
    assert 'id="notices"' in page
    # a new app's panel, ordered first: it comes first, under its own title
    panel = PublicPanel(
        key="weather",
        title="天气",
        template="includes/public_link.html",
        context=lambda request, household: {"label": "明天晴", "url": "/"},
        order=1,
    )
    monkeypatch.setattr(portal, "public_panels", [panel, *portal.public_panels])
    cache.clear()
    page = _page(client, family.public_token).content.decode()
    assert page.index('<h2 id="h-weather">天气</h2>') < page.index('id="points"')
    assert "明天晴" in page
    # a panel with nothing to show for this household is left out
    empty = PublicPanel(
        key="empty",
        title="空",
        template="includes/public_link.html",
        context=lambda request, household: None,
    )
    monkeypatch.setattr(portal, "public_panels", [empty, *portal.public_panels])
    cache.clear()
    assert 'id="empty"' not in _page(client, family.public_token).content.decode()


def test_random_codes_are_not_found_and_a_guessing_client_is_refused(client, family, rf):
    # 10,000 random codes, from many clients (a few guesses each), straight to the view:
    # not one opens a page
    for n in range(10_000):
        request = rf.get("/h/x/", REMOTE_ADDR=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
        with pytest.raises(Http404):
            public.household_page(request, secrets.token_urlsafe(24))
    # through the whole stack: the portal's 404 page, then 429 once a client guessed enough
    answers = [
        _page(client, secrets.token_urlsafe(24), "192.0.2.7").status_code
        for _ in range(public.MISSES_ALLOWED + 10)
    ]
    assert answers[: public.MISSES_ALLOWED] == [404] * public.MISSES_ALLOWED
    assert set(answers[public.MISSES_ALLOWED :]) == {429}
    # refused for a while, even for a real code: a guess must not tell which code is real
    assert _page(client, family.public_token, "192.0.2.7").status_code == 429
    assert _page(client, family.public_token, "192.0.2.8").status_code == 200


def test_a_rotated_code_opens_nothing_and_the_new_one_the_page(client, family, village_cadre):
    old = family.public_token
    client.force_login(village_cadre)
    response = client.post(reverse("households:rotate_code", args=[family.pk]))
    assert response.status_code == 302
    family.refresh_from_db()
    assert family.public_token != old
    client.logout()
    assert _page(client, old).status_code == 410  # "this plaque was replaced": opens nothing
    assert _page(client, family.public_token).status_code == 200
    assert family.history.first().history_user == village_cadre


def test_only_a_registry_keeper_of_the_village_rotates_the_code(
    client, family, township_officer, other_village_cadre
):
    old = family.public_token
    for user in (township_officer, other_village_cadre):
        client.force_login(user)
        response = client.post(reverse("households:rotate_code", args=[family.pk]))
        assert response.status_code in (403, 404)
    family.refresh_from_db()
    assert family.public_token == old


def test_every_household_gets_its_own_code(village):
    households = [HouseholdFactory(village=village) for _ in range(50)]
    tokens = {h.public_token for h in households}
    assert len(tokens) == 50
    assert all(len(t) >= 22 for t in tokens)  # at least 128 random bits
    assert not any(str(h.pk) == t or h.number in t for h in households for t in [h.public_token])
    assert Household.objects.filter(public_token__in=tokens).count() == 50


def test_the_qr_code_decodes_to_the_public_pages_address(
    client, family, village_cadre, tmp_path, settings
):
    settings.PUBLIC_BASE_URL = "https://cun.example.gov.cn/"
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        if IN_CI:
            pytest.fail("zbarimg is missing: apt-get install -y zbar-tools")
        pytest.skip("zbar-tools is not installed")
    client.force_login(village_cadre)
    response = client.get(reverse("households:qr", args=[family.pk]))
    assert response["Content-Type"] == "image/png"
    png = tmp_path / "qr.png"
    png.write_bytes(response.content)
    decoded = subprocess.run(  # noqa: S603 (Debian's zbarimg, our own file)
        [zbarimg, "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True
    ).stdout.strip()
    path = reverse("households:public", args=[family.public_token])
    assert decoded == "https://cun.example.gov.cn" + path
    client.logout()
    assert client.get(decoded.removeprefix("https://cun.example.gov.cn")).status_code == 200


def test_a_cadre_publishes_the_slogan_and_the_representatives(
    client, family, village, group, village_cadre
):
    client.force_login(village_cadre)
    url = reverse("households:public_info")
    page = client.get(url).content.decode()
    assert group.name in page
    data = {
        f"r{village.pk}-slogan": "崇德向善",
        f"r{village.pk}-representative_name": "",
        f"r{village.pk}-representative_phone": "",
        f"r{group.pk}-representative_name": "王代表",
        f"r{group.pk}-representative_phone": "138 0000",  # not a phone number
    }
    page = client.post(url, data).content.decode()
    assert "请输入电话号码" in page
    assert "崇德向善" in page  # what was typed stays in the form
    assert not PublicInfo.objects.exists()  # nothing saved while one part is wrong
    data[f"r{group.pk}-representative_phone"] = "0791-85712345"
    assert client.post(url, data).status_code == 302
    public = _page(client, family.public_token).content.decode()
    assert "崇德向善" in public
    assert "王代表" in public


def test_public_information_is_the_village_keepers(
    client, village, other_village, village_cadre, township_officer
):
    client.force_login(village_cadre)
    url = reverse("households:public_info")
    assert client.get(url, {"village": other_village.pk}).status_code == 404
    client.force_login(township_officer)
    assert client.get(url).status_code == 403


def test_the_page_is_light_html_and_css_under_60_kb_and_no_script(client, family):
    from django.contrib.staticfiles import finders

    page = _page(client, family.public_token).content
    stylesheets = re.findall(rb'<link rel="stylesheet" href="/static/([^"]+)"', page)
    assert stylesheets == [b"css/portal.css"]
    css = Path(finders.find("css/portal.css")).stat().st_size
    assert len(page) + css <= 60 * 1024
    assert b"<script" not in page


def test_the_kept_page_follows_the_head_moving_out(client, family, village, village_cadre):
    from households.services import resident_move

    assert "张*力家" in _page(client, family.public_token).content.decode()
    head = family.residents.get(relation="head")
    resident_move(resident=head, to_household=HouseholdFactory(village=village), user=village_cadre)
    page = _page(client, family.public_token).content.decode()
    assert "张*力家" not in page
    assert "<h1>户号 0042</h1>" in page  # no head: the household is named by its number


def test_the_public_information_page_does_not_grow_with_the_groups(
    client, village, village_cadre, django_assert_max_num_queries
):
    from villages.models import Region

    client.force_login(village_cadre)
    for count in (1, 12):
        for n in range(count):
            code = f"{village.code}{len(Region.objects.filter(parent=village)) + 100:03d}"
            Region.objects.create(code=code, name=f"{n}组", level="group", parent=village)
        with django_assert_max_num_queries(8):
            assert client.get(reverse("households:public_info")).status_code == 200


def test_a_replaced_plaque_says_so_and_tells_staff_whose_it_was(
    client, family, village_cadre, township_officer
):
    """Scanning a replaced plaque gave a 404 that read as a fault (issue 22)."""
    from households.services import household_rotate_code

    old = family.public_token
    household_rotate_code(household=family, user=village_cadre)
    response = _page(client, old)
    assert response.status_code == 410
    page = response.content.decode()
    assert "此门牌已更换" in page
    assert "0042" not in page  # the public learn nothing of the household
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(village_cadre)
    page = _page(client, old).content.decode()
    assert "0042 号户" in page
    assert f'href="/households/{family.pk}/"' in page


def test_a_replaced_plaque_is_no_guess(client, family, village_cadre):
    """A replaced code is a real one: scanning it never counts toward the guessing limit."""
    from households.services import household_rotate_code

    old = family.public_token
    household_rotate_code(household=family, user=village_cadre)
    for _ in range(public.MISSES_ALLOWED + 5):
        assert _page(client, old).status_code == 410
    assert _page(client, "x" * 30).status_code == 404
