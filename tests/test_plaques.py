"""Door plaques (issue 9): the print view and the PDF written by a task with progress;
only public data on them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from conftest import IN_CI
from households.exports import export_chunks
from households.models import ExportJob, ExportStatus, PublicInfo
from points.models import Honour
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def street(village, village_cadre):
    PublicInfo.objects.create(region=village, slogan="崇德向善 美丽乡村")
    households = []
    for n in range(8):
        household = HouseholdFactory(village=village, number=f"{n + 1:04d}", motto="勤俭持家")
        ResidentFactory(household=household, relation="head", name=f"欧阳建{'国华'[n % 2]}")
        households.append(household)
    Honour.objects.create(
        household=households[0], kind="star_family", stars=4, year=2025, awarded_by=village_cadre
    )
    return households


def test_the_print_view_shows_each_plaque_with_its_qr_and_public_data_only(
    client, village, street, village_cadre
):
    client.force_login(village_cadre)
    page = client.get(reverse("households:plaques"), {"village": village.pk}).content.decode()
    assert page.count('class="plaque"') == 8
    assert page.count("<svg") == 8
    assert "欧**国家" in page
    assert "户号 0001" in page
    assert "2025 星级文明户★★★★" in page
    assert "崇德向善 美丽乡村" in page
    assert "欧阳建国" not in page


def test_the_pdf_is_a_task_with_progress_and_six_plaques_a_page(
    client, village, street, village_cadre, django_capture_on_commit_callbacks
):
    client.force_login(village_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:plaques"), {"village": village.pk})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("households:export_job", args=[job.token])
    assert job.status == ExportStatus.DONE
    assert (job.rows_done, job.rows_total) == (8, 8)
    pdf = b"".join(export_chunks(job))
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2  # 8 plaques: 6 + 2
    download = client.get(reverse("households:export_download", args=[job.token]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_another_villages_plaques_are_not_found(client, other_village, village_cadre):
    client.force_login(village_cadre)
    response = client.get(reverse("households:plaques"), {"village": other_village.pk})
    assert response.status_code == 404
    assert (
        client.post(reverse("households:plaques"), {"village": other_village.pk}).status_code == 404
    )


def test_the_pdfs_qr_codes_decode_to_the_households_addresses(
    client, village, street, village_cadre, django_capture_on_commit_callbacks, tmp_path
):
    tools = [shutil.which("pdftoppm"), shutil.which("zbarimg")]
    if None in tools:
        if IN_CI:
            pytest.fail("pdftoppm and zbarimg are needed: apt-get install poppler-utils zbar-tools")
        pytest.skip("poppler-utils or zbar-tools is not installed")
    client.force_login(village_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("households:plaques"), {"village": village.pk})
    pdf = tmp_path / "plaques.pdf"
    pdf.write_bytes(b"".join(export_chunks(ExportJob.objects.get())))
    subprocess.run([tools[0], "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True)
    decoded = set()
    for image in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(
            [tools[1], "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
        ).stdout
        decoded |= set(out.split())
    assert decoded == {h.public_url() for h in street}
