"""Factories build records through the services, so test data obeys the same rules (paths,
codes, one head) as data written through the API."""

from datetime import date

import factory

from households import services
from households.models import Area, Household, Member
from povertycase.access import SYSTEM
from povertycase.accounts.models import User
from povertycase.accounts.services import user_create

PASSWORD = "a-long-test-password-1"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"{10000 + n:05d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")
    level = Area.Level.COMMUNE
    parent = None
    residence = "rural"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.area_create(by=SYSTEM, **kwargs)


def member_data(**overrides):
    data = {
        "full_name": "Nguyễn Văn Đặng",
        "sex": Member.Sex.MALE,
        "date_of_birth": date(1980, 5, 17),
        "relationship": Member.Relationship.HEAD,
    }
    data.update(overrides)
    return data


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    area = None
    members = factory.LazyFunction(lambda: [member_data()])

    @classmethod
    def _create(cls, model_class, **kwargs):
        household, _ = services.household_create(by=SYSTEM, **kwargs)
        return household


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD
    role = User.Role.OFFICER
    area = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(by=SYSTEM, **kwargs)
