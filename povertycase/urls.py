from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from povertycase.accounts.api.views import LogoutView as ApiLogoutView
from povertycase.accounts.api.views import MeView, TokenView, UserViewSet
from povertycase.accounts.throttle import throttled_login
from povertycase.views import HealthView, RootView

accounts = SimpleRouter()
accounts.register("users", UserViewSet, basename="user")

api_v1 = [
    path("", RootView.as_view(), name="api-root"),
    path("health/", HealthView.as_view(), name="health"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", ApiLogoutView.as_view(), name="auth-logout"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("", include(accounts.urls)),
    path("", include("households.api.urls")),
    path("", include("programmes.api.urls")),
    path("", include("povertycase.jobs.api.urls")),
]

# The browsable API's session login, as rest_framework.urls has it, throttled.
api_auth = [
    path("login/", throttled_login(LoginView.as_view(template_name="rest_framework/login.html")), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="povertycase/redoc.html"),
         name="redoc"),
    path("api-auth/", include((api_auth, "rest_framework"))),
    path("admin/login/", throttled_login(admin.site.login)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("povertycase.web.urls")),
]

handler404 = "povertycase.views.not_found"
handler500 = "povertycase.views.server_error"
handler403 = "povertycase.views.forbidden"
