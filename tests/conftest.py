from importlib import import_module

import pytest
from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient

from povertycase.accounts.models import User
from tests.factories import AreaFactory, HouseholdFactory, UserFactory, member_data


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 at production strength costs ~0.3 s a user; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def areas(db):
    """Two provinces. Đà Nẵng (48) holds a rural commune with a village, a second rural
    commune and an urban ward; Hà Nội (01) holds one ward."""
    da_nang = AreaFactory(code="48", name="Thành phố Đà Nẵng", level="province", residence="")
    que_son = AreaFactory(code="20641", name="Xã Quế Sơn", parent=da_nang, residence="rural")
    return {
        "48": da_nang,
        "20641": que_son,
        "2064101": AreaFactory(code="2064101", name="Thôn 1", level="village", parent=que_son, residence=""),
        "20662": AreaFactory(code="20662", name="Xã Quế Sơn Trung", parent=da_nang, residence="rural"),
        "20194": AreaFactory(code="20194", name="Phường Hải Châu", parent=da_nang, residence="urban"),
        "01": (ha_noi := AreaFactory(code="01", name="Thành phố Hà Nội", level="province", residence="")),
        "00004": AreaFactory(code="00004", name="Phường Ba Đình", parent=ha_noi, residence="urban"),
    }


@pytest.fixture
def users(areas):
    return {
        "admin": UserFactory(username="admin", role=User.Role.ADMIN),
        "admin48": UserFactory(username="admin48", role=User.Role.ADMIN, area=areas["48"]),
        "manager": UserFactory(username="manager", role=User.Role.MANAGER, area=areas["48"]),
        "officer": UserFactory(username="officer", role=User.Role.OFFICER, area=areas["20641"]),
        "viewer": UserFactory(username="viewer", role=User.Role.VIEWER, area=areas["20641"]),
        "hanoi": UserFactory(username="hanoi", role=User.Role.OFFICER, area=areas["01"]),
    }


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def household(areas):
    return HouseholdFactory(
        area=areas["2064101"],
        members=[
            member_data(national_id="048080001234"),
            member_data(full_name="Trần Thị Lan", sex="female", relationship="spouse"),
        ],
    )


@pytest.fixture(autouse=True)
def poverty_standards_after_flush(request):
    """The poverty standards come from a data migration. A transactional test empties every
    table when it ends, so each transactional test puts them back for itself."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    import_module("households.migrations.0004_install_poverty_standards").install(apps, None)


@pytest.fixture
def keep_test_connection():
    """Django's test client stops each request from closing the database connection (the
    test's transaction lives on it); requests through the bare WSGI app need the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
