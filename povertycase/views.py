from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def _for_browser(request) -> bool:
    return not request.path.startswith("/api/")


def not_found(request, exception=None):
    """The API answers in JSON (its clients never get an HTML page); the browser pages in HTML."""
    if _for_browser(request):
        return render(request, "web/error.html", {"message": _("There is no such page, or it is not in your area.")},
                      status=404)
    return JsonResponse({"detail": _("Not found.")}, status=404)


def server_error(request):
    if _for_browser(request):
        return render(request, "web/error.html", {"message": _("Something went wrong. It has been logged.")},
                      status=500)
    return JsonResponse({"detail": _("Server error. It has been logged.")}, status=500)


def forbidden(request, exception=None):
    if _for_browser(request):
        return render(request, "web/error.html", {"message": _("Your role may not open this page.")}, status=403)
    return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)


class HealthView(APIView):
    """Whether the service can answer and reach its database: for load balancers and the
    container's health check. No credentials needed; it says nothing about the data."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: inline_serializer("Health", {"status": serializers.CharField(
        help_text=_("`ok` when the database answered."))})})
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"status": "ok"})


# The resources a client starts from, by the URL names of their lists.
RESOURCES = ["area-list", "former-unit-list", "household-list", "member-list", "poverty-standard-list",
             "review-list", "programme-list", "enrollment-list", "delivery-list", "follow-up-list",
             "case-note-list", "user-list", "access-log-list", "job-list", "import-households", "import-reviews",
             "report-poverty", "report-sustainability", "report-programmes", "report-form-poor-households",
             "report-form-review-result", "report-form-deprivations", "report-form-causes", "auth-token", "auth-me"]


class RootView(APIView):
    """Where a client finds its way in: every resource of the API, the OpenAPI schema (the
    contract) and the docs. No credentials needed."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: inline_serializer("ApiRoot", {
        "resources": serializers.DictField(child=serializers.URLField(), help_text=_(
            "Resource name → the URL of its list (or of the operation, for reports, imports and login).")),
        "schema": serializers.URLField(help_text=_("The OpenAPI schema: the contract.")),
        "docs": serializers.URLField(help_text=_("Swagger UI.")),
        "redoc": serializers.URLField(help_text=_("ReDoc.")),
    })})
    def get(self, request):
        resources = {}
        for name in RESOURCES:
            url = reverse(name)
            resources[url.removeprefix("/api/v1/").strip("/").replace("/", "-")] = request.build_absolute_uri(url)
        return Response({
            "resources": resources,
            "schema": request.build_absolute_uri(reverse("schema")),
            "docs": request.build_absolute_uri(reverse("swagger-ui")),
            "redoc": request.build_absolute_uri(reverse("redoc")),
        })
