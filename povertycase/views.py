from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def not_found(request, exception=None):
    """URLs that match no route answer in JSON too: API clients never get an HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


def server_error(request):
    return JsonResponse({"detail": _("Server error. It has been logged.")}, status=500)


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
