"""The synthetic country owes the follow-ups its completed enrolments owe, met as the service
meets them, so the due list has work on it at scale."""

import pytest
from django.core.management import call_command

from programmes.models import Enrollment, FollowUpDue
from programmes.services import _meet_follow_ups_due

pytestmark = pytest.mark.django_db


def test_completed_enrolments_owe_their_follow_ups(users, client_for):
    call_command("generate_country", households=400, verbosity=0)
    completed = Enrollment.objects.filter(status=Enrollment.Status.COMPLETED).select_related("programme")
    assert completed.exists()
    for enrollment in completed:
        dues = enrollment.follow_ups_due.order_by("months")
        assert [d.months for d in dues] == list(enrollment.follow_up_months)
        kept = [(d.months, d.met_by_id) for d in dues]
        _meet_follow_ups_due(enrollment)  # as the service would have met them
        assert [(d.months, d.met_by_id) for d in enrollment.follow_ups_due.order_by("months")] == kept

    open_dues = FollowUpDue.objects.open()
    assert open_dues.exists() and {d.months for d in open_dues} == {12}  # the livelihood projects' 12-month visits
    due = client_for(users["admin"]).get("/api/v1/follow-ups/due/")
    assert due.status_code == 200 and due.data["results"]
    assert all(row["overdue"] and row["months"] == 12 for row in due.data["results"])
