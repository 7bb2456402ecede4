from rest_framework.routers import SimpleRouter

from programmes.api.views import EnrollmentViewSet, ProgrammeViewSet

router = SimpleRouter()
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")

urlpatterns = router.urls
