from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from povertycase.jobs.api.filters import JobFilter
from povertycase.jobs.api.serializers import JobSerializer
from povertycase.jobs.models import Job

ACCEPTED = OpenApiResponse(JobSerializer, description=_(
    "Accepted: the work is over its size for one request and runs as a background job. `Location` "
    "(and the body's `url`) is the job: read it until its `state` is `succeeded` or `failed`. With no "
    "job broker configured the job has already finished when this answer comes."))


def accepted(request, job: Job) -> Response:
    """202 Accepted with the job, and where to follow it."""
    url = request.build_absolute_uri(reverse("job-detail", args=[job.pk]))
    return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED,
                    headers={"Location": url})


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background jobs: large imports, corrections of a poverty standard that re-classify many
    drafts, large approvals, and the scheduler's yearly figures. Each is yours if you started
    it; managers and admins also see the jobs started in their area. Newest first."""

    serializer_class = JobSerializer
    filterset_class = JobFilter
    cursor_ordering = ("-created_at", "-id")

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user).select_related("owner", "area").defer("upload")
