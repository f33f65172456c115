from __future__ import annotations

import pytest

from households.models import Household
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_masked_name_is_the_living_head_masked(village):
    household = HouseholdFactory(village=village)
    ResidentFactory(household=household, name="张三力", relation="head")
    ResidentFactory(household=household, name="李四", relation="spouse")
    assert household.masked_name() == "张*力"
    annotated = Household.objects.with_head().get(pk=household.pk)
    assert annotated.masked_name() == "张*力"


def test_masked_name_of_a_household_without_head_is_empty(village):
    assert HouseholdFactory(village=village).masked_name() == ""


def test_age_counts_whole_years(resident):
    import datetime

    resident.birth_date = datetime.date(2000, 11, 24)
    assert resident.age(datetime.date(2026, 11, 23)) == 25
    assert resident.age(datetime.date(2026, 11, 24)) == 26
