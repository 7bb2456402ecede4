from django.urls import path
from rest_framework.routers import SimpleRouter

from households.api.imports import (
    HouseholdImportView,
    HouseholdTemplateView,
    ReviewImportView,
    ReviewTemplateView,
)
from households.api.reports import PovertyReportView, SustainabilityReportView
from households.api.views import (
    AccessLogViewSet,
    AreaViewSet,
    FormerUnitViewSet,
    HouseholdViewSet,
    MemberViewSet,
    PovertyStandardViewSet,
    ReviewViewSet,
)

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("former-units", FormerUnitViewSet, basename="former-unit")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")
router.register("poverty-standards", PovertyStandardViewSet, basename="poverty-standard")
router.register("reviews", ReviewViewSet, basename="review")
router.register("access-log", AccessLogViewSet, basename="access-log")

urlpatterns = [
    *router.urls,
    path("imports/households/", HouseholdImportView.as_view(), name="import-households"),
    path("imports/households/template/", HouseholdTemplateView.as_view(), name="import-households-template"),
    path("imports/reviews/", ReviewImportView.as_view(), name="import-reviews"),
    path("imports/reviews/template/", ReviewTemplateView.as_view(), name="import-reviews-template"),
    path("reports/poverty/", PovertyReportView.as_view(), name="report-poverty"),
    path("reports/sustainability/", SustainabilityReportView.as_view(), name="report-sustainability"),
]
