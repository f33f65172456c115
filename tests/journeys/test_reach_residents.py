"""Reaching residents (issue 25), one journey per part, each as the person who does it,
on the device they use. Screenshots: test-artifacts/phone-reach-*.png and
test-artifacts/reach-*.png."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from conftest import _staff
from grid import services
from grid.models import GridRole, Hazard
from households import services as registry
from points.models import CoopTerms, PointAccount
from tests.conftest import _jpeg
from tests.factories import HouseholdFactory, ResidentFactory
from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 (the fixtures)
from tests.test_browser_grid import _login
from tests.test_phone import _fits, phone  # noqa: F401 (the fixture)
from villages.models import Role

pytestmark = pytest.mark.browser


def test_the_informant_finishes_a_matter_and_the_supervisor_reopens_it(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
):
    """Item 2. The grid chief (a cadre) assigns a matter to the grid's informant; the
    informant, on her phone, takes it on and resolves it (before, a grid worker could
    not); the grid's supervisor finds it on the page of the grids she supervises, judges
    the resolution wanting and reopens it."""
    informant = _staff(Role.GRID_WORKER, village, username="informant")
    supervisor = _staff(Role.GRID_WORKER, village, username="supervisor")
    grid = services.grid_create(village=village, name="第一网格", by=None)
    services.grid_member_add(grid=grid, role=GridRole.SUPERVISOR, user=supervisor, by=None)
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    services.households_assign(grid=grid, households=[home], by=None)
    matter = services.matter_create(
        village=village,
        user=village_cadre,
        source="walk_in",
        category="problem",
        urgency="normal",
        title="门前路灯坏了",
        household=home,
    )
    services.matter_assign(matter=matter, user=village_cadre, to=informant)
    _login(phone, live_server.url, "informant")
    phone.goto(f"{live_server.url}/matters/{matter.pk}/")
    with phone.expect_navigation():
        phone.locator("#take").get_by_role("button").click()
    phone.get_by_label("给群众的答复").fill("已联系电工修好路灯")
    _fits(phone, "reach-informant-resolves")
    with phone.expect_navigation():
        phone.locator("#resolve").get_by_role("button", name="办结").click()
    matter.refresh_from_db()
    assert matter.resolved_at is not None
    _login(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/matters/")
    with page.expect_navigation():
        page.get_by_role("link", name="我监督的网格").click()
    with page.expect_navigation():
        page.locator("#supervised").get_by_role("link", name="门前路灯坏了").click()
    page.get_by_label("办理结果哪里不到位").fill("晚上查看路灯仍不亮")
    with page.expect_navigation():
        page.get_by_role("button", name="重新打开").click()
    matter.refresh_from_db()
    assert matter.resolved_at is None
    assert "监督员重新打开" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "reach-supervisor-reopens.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []


def test_a_cadre_makes_a_red_grid_and_the_family_finds_its_head(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
):
    """Item 3. The cadre's new grid of 30 households is flagged for having no
    party-member central household head; she names one; the flag goes, and a family of
    the grid finds its head (and the phone to call) on its door page."""
    village_cadre.username = "cadre"
    village_cadre.save()
    grid = services.grid_create(village=village, name="第一网格", by=None)
    homes = [HouseholdFactory(village=village) for _n in range(30)]
    services.households_assign(grid=grid, households=homes, by=None)
    _login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/grids/{grid.pk}/")
    assert "尚无党员中心户长" in page.locator("#grid-problems").inner_text()
    page.get_by_label("角色").select_option("party_head")
    page.get_by_label("姓名").fill("欧阳明华")
    page.get_by_label("联系电话").fill("13907911234")
    with page.expect_navigation():
        page.get_by_role("button", name="添加人员").click()
    assert page.locator("#grid-problems").count() == 0
    page.screenshot(path=str(ARTIFACTS / "reach-red-grid.png"), full_page=True)
    phone.goto(f"{live_server.url}/h/{homes[0].public_token}/")
    head = phone.locator("#grid-head")
    assert "欧阳明华" in head.inner_text()
    assert head.get_by_role("link", name="13907911234").get_attribute("href") == "tel:13907911234"
    phone.screenshot(path=str(ARTIFACTS / "phone-reach-grid-head.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []


def test_the_coop_clerk_takes_points_off_a_purchase_and_buys_a_familys_oranges(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
    coop_clerk,
):
    """Item 7. The village's terms: points cover 20 % of a purchase. At the co-op's desk
    the clerk takes 21 points off a 100-yuan purchase and is told 20 is the most; takes
    20; then buys a family's listed oranges; the family's door page says the co-op
    bought them."""
    coop_clerk.username = "coop"
    coop_clerk.save()
    CoopTerms.objects.create(village=village, discount_share=20, yuan_per_point=Decimal("1"))
    home = HouseholdFactory(village=village, number="0042")
    PointAccount.objects.create(household=home, balance=60)
    seller = HouseholdFactory(village=village, number="0077")
    listing = registry.listing_post(
        household=seller,
        kind="sell",
        product="脐橙",
        quantity=Decimal("300"),
        unit="斤",
        price=Decimal("3.5"),
    )
    registry.listing_approve(listing, user=village_cadre)
    _login(page, live_server.url, "coop")
    page.goto(f"{live_server.url}/points/coop/")
    with page.expect_navigation():
        page.locator("#coop-sales-link").click()
    form = page.locator("#discount")
    form.get_by_label("户编号").fill("0042")
    form.get_by_label("消费金额（元）").fill("100")
    form.get_by_label("抵扣积分").fill("21")
    with page.expect_navigation():
        form.get_by_role("button", name="抵扣").click()
    assert "这笔最多 20 分" in page.locator("#discount").inner_text()
    page.locator("#discount").get_by_label("抵扣积分").fill("20")
    with page.expect_navigation():
        page.locator("#discount").get_by_role("button", name="抵扣").click()
    assert PointAccount.objects.get(household=home).balance == 40
    row = page.locator(f"#l{listing.pk}")
    row.get_by_label("单价（元）").fill("3.2")
    with page.expect_navigation():
        row.get_by_role("button", name="已收购").click()
    assert "脐橙" in page.locator("#bought").inner_text()
    page.screenshot(path=str(ARTIFACTS / "reach-coop-sales.png"), full_page=True)
    phone.goto(f"{live_server.url}/h/{seller.public_token}/")
    assert "村合作社收购：300斤，每斤 ¥3.2" in phone.locator("#produce-closed").inner_text()
    phone.screenshot(path=str(ARTIFACTS / "phone-reach-coop-bought.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []


def test_the_cadre_keeps_the_daily_log_and_the_village_board_shows_its_summary(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    village_cadre,
):
    """Item 5. On her phone the cadre writes today's 民情日志 entry about household 0042,
    makes it a matter with one click, and publishes a summary naming no one; the village
    board shows the summary, not the entry."""
    village_cadre.username = "cadre"
    village_cadre.save()
    home = HouseholdFactory(village=village, number="0042")
    ResidentFactory(household=home, relation="head")
    _login(phone, live_server.url, "cadre")
    phone.goto(f"{live_server.url}/log/")
    form = phone.locator("#log-form")
    form.get_by_label("地点").fill("村东组")
    form.get_by_label("走访对象").fill("张大爷")
    form.get_by_label("反映的情况").fill("屋后水渠堵了，雨天倒灌")
    form.get_by_label("涉及农户（户编号）").fill("0042")
    _fits(phone, "reach-log-write")
    with phone.expect_navigation():
        form.get_by_role("button", name="保存").click()
    with phone.expect_navigation():
        phone.get_by_role("button", name="转为诉求").click()
    assert "屋后水渠堵了" in phone.locator("h1").inner_text()  # the matter's page
    phone.go_back()
    phone.reload()
    phone.get_by_label("公开摘要").fill("村东水渠堵塞，已安排清淤")
    with phone.expect_navigation():
        phone.locator("#log-publish").get_by_role("button").click()
    _fits(phone, "reach-log-entry")
    page.goto(f"{live_server.url}/v/{village.code}/")
    board = page.locator("#public-log").inner_text()
    assert "村东水渠堵塞，已安排清淤" in board
    assert "张大爷" not in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "reach-log-board.png"), full_page=True)
    assert phone.console_errors == []


def test_a_grid_worker_patrols_the_village_and_the_township_sees_what_is_overdue(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    grid_worker,
    township_officer,
):
    """Item 4. On a village-wide patrol the grid worker records, from her phone, a cracked
    slope behind group 3 with its coordinates and a photo, due today; the township
    officer, at a desk the next morning, finds it among the overdue hazards."""
    grid_worker.username = "grid"
    grid_worker.save()
    township_officer.username = "township"
    township_officer.save()
    _login(phone, live_server.url, "grid")
    phone.goto(f"{live_server.url}/grids/hazards/")
    phone.locator("#patrol-form summary").click()
    form = phone.locator("#patrol-form")
    form.get_by_label("隐患类型").select_option("slope")
    form.get_by_label("地点").fill("三组后山")
    form.get_by_label("排查情况").fill("雨后坡面有裂缝，坡下有两户")
    form.get_by_label("整改期限").fill("2026-11-23")
    form.get_by_label("纬度").fill("28.512345")
    form.get_by_label("经度").fill("115.912345")
    form.get_by_label("照片").set_input_files(
        {"name": "slope.jpg", "mimeType": "image/jpeg", "buffer": _jpeg().read()}
    )
    _fits(phone, "reach-patrol")
    with phone.expect_navigation():
        form.get_by_role("button", name="保存隐患").click()
    assert "三组后山" in phone.locator("#hazards").inner_text()
    Hazard.objects.update(deadline=datetime.date(2026, 11, 22))  # the next morning
    _login(page, live_server.url, "township")
    page.goto(f"{live_server.url}/grids/hazards/?status=overdue")
    row = page.locator("#hazards tbody tr").first
    assert "三组后山" in row.inner_text()
    assert "逾期" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "reach-hazards-overdue.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []


def test_a_cadre_broadcasts_a_flood_warning_and_the_family_reads_it_at_its_door(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    group,
    village_cadre,
):
    """Item 1. At night the cadre, on her phone, warns group 1 of a flood: the group's
    loudspeakers say it (the memory backend stands for the village's system), each
    family with a phone gets a text, the broadcast's page counts the deliveries; the
    family of group 1 reads the warning on its door page and chooses to be texted
    emergencies only; a family of group 2 does not see it."""
    from notices import sms, speakers
    from notices.models import Callout, SpeakerZone, TextOptOut
    from tests.factories import RegionFactory
    from villages.models import Level

    sms.MemoryBackend.outbox.clear()
    speakers.MemoryBackend.spoken.clear()
    village_cadre.username = "cadre"
    village_cadre.save()
    group2 = RegionFactory(
        code=f"{village.code}002", name="二组", level=Level.GROUP, parent=village
    )
    riverside = HouseholdFactory(village=village, group=group, number="0007")
    ResidentFactory(household=riverside, relation="head", phone="13907917777")
    bare = HouseholdFactory(village=village, group=group, number="0008")
    ResidentFactory(household=bare, relation="head", phone="")
    hill = HouseholdFactory(village=village, group=group2, number="0101")
    ResidentFactory(household=hill, relation="head", phone="13907918888")
    zone = SpeakerZone.objects.create(village=village, name="一组喇叭", zone_id="G1")
    zone.groups.set([group])
    _login(phone, live_server.url, "cadre")
    phone.goto(f"{live_server.url}/callouts/new/")
    phone.get_by_label("类别").select_option("flood")
    phone.get_by_label("标题").fill("山洪预警")
    phone.get_by_label("正文").fill("今晚有强降雨，沿河住户请立即转移到村小学。")
    phone.locator("summary", has_text="仅限部分小组或网格").click()
    phone.get_by_label("一组", exact=True).check()
    _fits(phone, "reach-broadcast-form")
    with phone.expect_navigation():
        phone.get_by_role("button", name="广播").click()
    callout = Callout.objects.get()
    assert callout.status == "sent"
    assert "已送达 2 / 2 户" in phone.locator("#progress").inner_text()
    summary = phone.locator("#delivery-summary")
    assert summary.locator('td[data-status="sent"]').first.inner_text() == "1"  # loudspeaker
    _fits(phone, "reach-broadcast-deliveries")
    assert [a.zone for a in speakers.MemoryBackend.spoken] == ["G1"]
    assert [m.to for m in sms.MemoryBackend.outbox] == ["13907917777"]
    assert "山洪预警" in sms.MemoryBackend.outbox[0].text
    # the family's door page, on a resident's phone (no login)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/h/{riverside.public_token}/")
    assert "山洪预警" in page.locator("#callout-list").inner_text()
    with page.expect_navigation():
        page.locator("#texts-link").click()
    page.get_by_label("只发紧急预警短信").check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "只接收紧急预警" in page.locator("#texts-saved").inner_text()
    assert TextOptOut.objects.filter(household=riverside).exists()
    page.screenshot(path=str(ARTIFACTS / "reach-door-texts.png"), full_page=True)
    page.goto(f"{live_server.url}/h/{hill.public_token}/")
    assert "山洪预警" not in page.inner_text("main")
    assert page.console_errors == []
    assert phone.console_errors == []


def test_a_grid_worker_records_who_lives_here_and_the_cadre_counts_it(
    page,  # noqa: F811 (the fixture imported above)
    phone,  # noqa: F811 (the fixture imported above)
    live_server,
    village,
    group,
    grid_worker,
    village_cadre,
):
    """Item 6. On her rounds the grid worker, on her phone, records that the son of
    household 0005 works in 广东东莞 since October, and a tenant from 湖南衡阳 who lives
    with the family; the cadre, at her desk, finds the son among the residents away for
    work, the flows of the month, and the home page's 现住 figures."""
    grid_worker.username = "grid"
    grid_worker.save()
    village_cadre.username = "cadre"
    village_cadre.save()
    home = HouseholdFactory(village=village, group=group, number="0005")
    ResidentFactory(household=home, relation="head", name="王大山")
    son = ResidentFactory(household=home, relation="son", name="王小山")
    _login(phone, live_server.url, "grid")
    phone.goto(f"{live_server.url}/households/{home.pk}/")
    with phone.expect_navigation():
        phone.locator(f'a[href="/residents/{son.pk}/presence/"]').click()
    phone.get_by_label("外出", exact=True).check()
    phone.get_by_label("外出原因").select_option("work")
    phone.get_by_label("地点").fill("广东东莞")
    phone.get_by_label("起始日期").fill("2026-10-08")
    _fits(phone, "reach-presence")
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存").click()
    assert "外出：务工" in phone.locator("#members").inner_text()
    phone.goto(f"{live_server.url}/inflows/")
    phone.locator("#inflow-form summary").click()
    form = phone.locator("#inflow-form")
    form.get_by_label("姓名").fill("赵六")
    form.get_by_label("性别").select_option("M")
    form.get_by_label("户籍所在地").fill("湖南衡阳")
    form.get_by_label("来村原因").select_option("work")
    form.get_by_label("同住农户户号（选填）").fill("0005")
    form.get_by_label("来村日期").fill("2026-11-02")
    _fits(phone, "reach-inflow")
    with phone.expect_navigation():
        form.get_by_role("button", name="登记").click()
    assert "湖南衡阳" in phone.locator("#inflows").inner_text()
    # the cadre, at a desk
    _login(page, live_server.url, "cadre")
    page.goto(f"{live_server.url}/residents/?presence=away:work")
    assert "王*山" in page.inner_text("main") or "王小山" in page.inner_text("main")
    page.goto(f"{live_server.url}/inflows/")
    flows = page.locator("#flows").inner_text()
    assert "流入 1" in flows
    assert "流出 1" in flows
    page.goto(f"{live_server.url}/")
    assert "1" in page.locator("#residing-households .value").inner_text()
    people = page.locator("#residing-people").inner_text()
    assert people.startswith("2")  # the head here and the tenant; the son is away
    page.screenshot(path=str(ARTIFACTS / "reach-who-lives-here.png"), full_page=True)
    assert page.console_errors == []
    assert phone.console_errors == []
