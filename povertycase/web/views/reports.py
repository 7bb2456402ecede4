"""The reports pages (to come)."""

from django.shortcuts import render
from django.urls import path
from django.views import View

from povertycase.web.access import RolePage


class Index(RolePage, View):
    def get(self, request):
        return render(request, "web/soon.html", {})


urlpatterns = [path("reports/", Index.as_view(), name="reports")]
