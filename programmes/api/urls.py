from rest_framework.routers import SimpleRouter

from programmes.api.views import ProgrammeViewSet

router = SimpleRouter()
router.register("programmes", ProgrammeViewSet, basename="programme")

urlpatterns = router.urls
