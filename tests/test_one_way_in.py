"""Every writer of the registry goes through households/services.py (DESIGN §2): the
add-member form, the import and the demo. Changing a rule in the service changes all
three; here the duplicate rule is made to say that everyone is registered already,
somewhere outside the user's area."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from households import services
from households.models import Household, ImportJob, Resident
from tests.factories import RegionFactory, make_id_number
from villages.models import Level

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone_registered_elsewhere(monkeypatch, far_township):
    far_village = RegionFactory(
        code="150902001201", name="远村", level=Level.VILLAGE, parent=far_township
    )
    elsewhere = Resident(name="某人", household=Household(village=far_village, number="1"))

    def rule(hashes):
        return dict.fromkeys(hashes, elsewhere)

    monkeypatch.setattr(services, "registered_residents", rule)


def test_the_form_follows_the_services_duplicate_rule(
    cadre_client, household, everyone_registered_elsewhere
):
    response = cadre_client.post(
        f"/households/{household.pk}/residents/new/",
        {
            "id_number": make_id_number(),
            "name": "新人",
            "relation": "son",
            "ethnicity": "汉族",
            "health": "healthy",
            "disability_grade": 0,
            "labour_ability": "normal",
            "employment": "farming",
            "political_status": "masses",
        },
    )
    assert response.status_code == 200
    assert "此人已登记" in response.content.decode()
    assert not Resident.objects.filter(name="新人").exists()


def test_the_import_follows_the_services_duplicate_rule(
    cadre_client, village, django_capture_on_commit_callbacks, everyone_registered_elsewhere
):
    csv = "户编号,姓名,身份证号,与户主关系,劳动能力,就业状况\n"
    csv += f"8001,新人,{make_id_number()},户主,普通劳动力,务农\n"
    with django_capture_on_commit_callbacks(execute=True):
        cadre_client.post(
            "/import/", {"village": village.pk, "file": SimpleUploadedFile("a.csv", csv.encode())}
        )
    job = ImportJob.objects.get()
    assert job.totals["new"] == 0
    assert "管辖范围以外" in job.errors[0]["messages"][0]


def test_the_demo_follows_the_services_duplicate_rule(everyone_registered_elsewhere):
    with pytest.raises(ValidationError):
        call_command("seed_demo", "--households", "3", "--force", verbosity=0)
    assert not Resident.objects.exists()
