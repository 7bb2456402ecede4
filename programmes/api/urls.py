from django.urls import path
from rest_framework.routers import SimpleRouter

from povertycase.renderers import XLSXRenderer
from povertycase.reporting import format_paths
from programmes.api.views import (
    CaseNoteViewSet,
    DeliveryViewSet,
    DisbursementDownloadView,
    EnrollmentViewSet,
    FollowUpViewSet,
    ProgrammeOutcomesView,
    ProgrammesReportView,
    ProgrammeViewSet,
    RecommendationsView,
)

router = SimpleRouter()
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("case-notes", CaseNoteViewSet, basename="case-note")

urlpatterns = [
    *router.urls,
    path("households/<uuid:pk>/recommendations/", RecommendationsView.as_view(), name="household-recommendations"),
    *format_paths("reports/programmes/", ProgrammesReportView, "report-programmes"),
    *format_paths("reports/programmes/<int:pk>/outcomes/", ProgrammeOutcomesView, "report-programme-outcomes"),
    *format_paths("programmes/<int:pk>/disbursement/", DisbursementDownloadView, "programme-disbursement",
                  {"xlsx/": XLSXRenderer}),
]
