"""factory_boy factories. ID numbers are generated valid (area 360121, real check digit)."""

from __future__ import annotations

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from households.idnumbers import check_digit, encrypt, id_hash
from households.masking import mask
from households.models import Household, Resident
from villages.models import Region

_serial = itertools.count(1)


def make_id_number(birth: datetime.date | None = None, sex: str = "M") -> str:
    n = next(_serial)
    birth = birth or datetime.date(1960, 1, 1) + datetime.timedelta(days=n % 15000)
    seq = (n * 2 + (1 if sex == "M" else 0)) % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"360121{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-123")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"360121{n:03d}")
    name = factory.Sequence(lambda n: f"地区{n}")
    level = "township"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    number = factory.Sequence(lambda n: f"{n:05d}")
    address = factory.Sequence(lambda n: f"一组{n}号")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident
        exclude = ("id_number", "phone")

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"张{'三四五六七八'[n % 6]}力")
    sex = "M"
    # Spread over 40 years so generated ID numbers never run out of sequence numbers.
    birth_date = factory.Sequence(
        lambda n: datetime.date(1966, 1, 1) + datetime.timedelta(days=(n * 37) % 14600)
    )
    id_number = factory.LazyAttribute(lambda o: make_id_number(o.birth_date, o.sex))
    phone = "13812345678"
    id_hash = factory.LazyAttribute(lambda o: id_hash(o.id_number))
    id_cipher = factory.LazyAttribute(lambda o: encrypt(o.id_number))
    phone_cipher = factory.LazyAttribute(lambda o: encrypt(o.phone))
    id_masked = factory.LazyAttribute(lambda o: mask(o.id_number, "id"))
    phone_masked = factory.LazyAttribute(lambda o: mask(o.phone, "phone"))
    relation = "head"
    labour_ability = "normal"
    employment = "farming"


def heads_with_numbers(village, group, count: int) -> list[str]:
    """`count` households of one member each, numbered 0000…; their full ID numbers, in
    order (for writing department feeds about them)."""
    numbers = []
    for i in range(count):
        household = HouseholdFactory(village=village, group=group, number=f"{i:04d}")
        number = make_id_number()
        ResidentFactory(household=household, id_number=number)
        numbers.append(number)
    return numbers
