from rest_framework.routers import SimpleRouter

from households.api.views import (
    AreaViewSet,
    HouseholdViewSet,
    MemberViewSet,
    PovertyStandardViewSet,
    ReviewViewSet,
)

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")
router.register("poverty-standards", PovertyStandardViewSet, basename="poverty-standard")
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = router.urls
