"""`make run`'s demo tells the seed's story, and loading it again changes nothing."""

import io

import pytest
from django.core.management import call_command

from households.models import Area, Household, Member, Review
from povertycase.accounts.models import User
from programmes.models import CaseNote, Delivery, Enrollment, FollowUp, Programme


def counts():
    return {model.__name__: model.objects.count()
            for model in (Area, Household, Member, User, Review, Programme, Enrollment, Delivery, FollowUp, CaseNote)}


@pytest.mark.django_db
def test_the_demo_tells_the_story_once(client_for):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = counts()
    call_command("load_demo", stdout=out)
    assert counts() == first
    assert "demo-officer" in out.getvalue()
    assert set(Area.objects.filter(level="commune").values_list("name", flat=True)) == {
        "Xã Quế Sơn", "Xã Quế Sơn Trung", "Xã Quế Phước", "Xã Nông Sơn"}
    assert (first["Household"], first["User"], first["Programme"]) == (96, 4, 3)
    assert first["Review"] == 96 * 5 and not Review.objects.exclude(status="approved").exists()

    manager = client_for(User.objects.get(username="demo-manager"))
    transitions = {}
    for year in range(2023, 2027):
        report = manager.get("/api/v1/reports/poverty/", {"area": "48", "year": year}).data
        for code, n in report["transitions"].items():
            transitions[code] = transitions.get(code, 0) + n
    assert transitions["escaped_to_near_poor"] + transitions["escaped_above_near_poor"] > 10
    assert transitions["newly_poor"] > 0 and transitions["relapsed_poor"] + transitions["relapsed_near_poor"] > 0
    assert manager.get("/api/v1/reports/poverty/", {"former_area": "509", "year": 2026}).data["households"] == 96

    rice = Programme.objects.get(code="QS-LUA-GIONG")
    outcomes = manager.get(f"/api/v1/reports/programmes/{rice.pk}/outcomes/").data
    assert outcomes["escaped"] > 0 and outcomes["exit_rate"] > outcomes["comparison"]["exit_rate"]
    assert outcomes["income"]["change_pct"] >= 25
    training = Programme.objects.get(code="DN-NGHE-NONG-THON")
    assert manager.get(f"/api/v1/reports/programmes/{training.pk}/outcomes/").data["employment_rate_6m"] > 0
    peanut = Programme.objects.get(code="QS-LAC-VUNG")
    plan = manager.get(f"/api/v1/programmes/{peanut.pk}/disbursement/", {"period": "quarter"}).data
    assert plan["behind"] is True and plan["planned"] > plan["spent"] > 0
    assert manager.get(f"/api/v1/programmes/{rice.pk}/disbursement/", {"period": "quarter"}).data["behind"] is False
    due = manager.get("/api/v1/follow-ups/due/").data["results"]
    assert any(row["overdue"] for row in due)
    assert CaseNote.objects.exists()
