from rest_framework.routers import SimpleRouter

from households.api.views import AreaViewSet, HouseholdViewSet, MemberViewSet

router = SimpleRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")

urlpatterns = router.urls
