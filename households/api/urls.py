from django.urls import path
from rest_framework.routers import SimpleRouter

from households.api.forms import (
    CausesFormView,
    DeprivationsFormView,
    PoorHouseholdsFormView,
    ReviewResultFormView,
)
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
from povertycase.reporting import FILE_FORMATS, format_paths

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
    *format_paths("imports/households/template/", HouseholdTemplateView, "import-households-template", FILE_FORMATS),
    path("imports/reviews/", ReviewImportView.as_view(), name="import-reviews"),
    *format_paths("imports/reviews/template/", ReviewTemplateView, "import-reviews-template", FILE_FORMATS),
    *format_paths("reports/poverty/", PovertyReportView, "report-poverty"),
    *format_paths("reports/sustainability/", SustainabilityReportView, "report-sustainability"),
    path("reports/forms/poor-households/", PoorHouseholdsFormView.as_view(), name="report-form-poor-households"),
    path("reports/forms/review-result/", ReviewResultFormView.as_view(), name="report-form-review-result"),
    path("reports/forms/deprivations/", DeprivationsFormView.as_view(), name="report-form-deprivations"),
    path("reports/forms/causes/", CausesFormView.as_view(), name="report-form-causes"),
]
