"""Printing (issue 22, item 1): cadres print 人口查询, the household list and a household's
page for meetings and door-to-door work. Printed to PDF by Debian's chromium, every
column header is on the page (pdftotext), no word lies past the page's right edge, pages
are A4 landscape with the region and date at the top and page numbers at the foot.
The PDFs and a PNG of each first page: test-artifacts/print-*."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape

import pytest

from conftest import IN_CI
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory
from tests.test_browser import ARTIFACTS, browser, page  # noqa: F401 (the fixtures)
from tests.test_browser_grid import _login
from villages.models import Role, StaffAssignment

pytestmark = pytest.mark.browser

A4_LANDSCAPE_PT = (842, 595)  # points, rounded


def _pdftotext(*args: str) -> str:
    if not shutil.which("pdftotext"):
        if IN_CI:
            pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def registry(live_server, village, group):
    cadre = UserFactory(username="cadre", first_name="李村干")
    StaffAssignment.objects.create(user=cadre, region=village, role=Role.VILLAGE_CADRE)
    household = None
    for i in range(40):
        household = HouseholdFactory(
            village=village,
            group=group,
            number=f"{i + 1:04d}",
            address=f"渡头村一组{i + 1}号（老村委会东侧第三排）",
        )
        ResidentFactory(
            household=household,
            name=f"欧阳建国{i}",
            relation="head",
            disability_grade=2,
            disability_kind="physical",
        )
        ResidentFactory(household=household, name=f"陈秀英{i}", relation="spouse")
    return household


@pytest.mark.parametrize(
    ("name", "path"),
    [("residents", "/residents/"), ("households", "/households/"), ("household", None)],
)
def test_a_printed_list_has_every_column_on_the_page(
    page,  # noqa: F811 (the fixture imported above)
    live_server,
    registry,
    village,
    name,
    path,
):
    _login(page, live_server.url, "cadre")
    page.goto(live_server.url + (path or f"/households/{registry.pk}/"))
    page.emulate_media(media="print")
    headers = [h.strip() for h in page.locator("table.data thead th").all_inner_texts()]
    assert headers, "the page has a table to print"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"print-{name}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)

    text = _pdftotext("-layout", str(pdf), "-")
    flat = re.sub(r"\s+", "", text)
    for header in headers:
        assert re.sub(r"\s+", "", header) in flat, f"{header!r} is not on the printed page"
    assert "渡头村" in text.splitlines()[0] or "渡头村" in text[:200]  # the region, at the top
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text[:300])  # and the date
    assert re.search(r"^\s*1 ?/ ?\d+\s*$", text, re.M)  # page numbers
    assert "退出" not in text
    assert "菜单" not in text
    # every word within the page: nothing cut off at the right edge
    boxes = unescape(_pdftotext("-bbox", str(pdf), "-"))
    for page_box in re.finditer(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S
    ):
        width, height = float(page_box[1]), float(page_box[2])
        assert (round(width), round(height)) == A4_LANDSCAPE_PT
        for word in re.finditer(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', page_box[3]):
            assert float(word[1]) <= width, "a word lies past the page's right edge"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(ARTIFACTS / f"print-{name}"),
        ],
        check=True,
    )
