from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from povertycase.etags import IF_MATCH, IF_NONE_MATCH, VersionedRetrieveMixin, versioned_response
from povertycase.permissions import ManagerAccess
from programmes import services
from programmes.api import serializers as s
from programmes.api.filters import EnrollmentFilter, ProgrammeFilter
from programmes.models import Enrollment, Programme


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class ProgrammeViewSet(VersionedRetrieveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Programmes: national programmes, their projects and local interventions. Everyone reads
    the programmes open to their area; managers create and change those of their own area."""

    serializer_class = s.ProgrammeSerializer
    permission_classes = [ManagerAccess]
    filterset_class = ProgrammeFilter
    cursor_ordering = "code"
    versioned = True
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Programme.objects.visible_to(self.request.user).select_related("area", "parent")

    @extend_schema(request=s.ProgrammeSerializer, responses={201: s.ProgrammeSerializer})
    def create(self, request):
        serializer = s.ProgrammeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        programme = services.programme_create(by=request.user, **serializer.validated_data)
        return versioned_response(s.ProgrammeSerializer, self.get_queryset().get(pk=programme.pk),
                                  context=self.get_serializer_context(), status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProgrammeUpdateSerializer, responses=s.ProgrammeSerializer, parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        programme = self.get_object()
        if not Programme.objects.writable_by(request.user).filter(pk=programme.pk).exists():
            raise PermissionDenied(_("This programme belongs to a larger area than yours: you may read it, not change it."))
        serializer = s.ProgrammeUpdateSerializer(programme, data=request.data, partial=True,
                                                 context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.programme_update(programme=programme, by=request.user, changes=serializer.validated_data,
                                  if_match=request.headers.get("If-Match"))
        return versioned_response(s.ProgrammeSerializer, self.get_queryset().get(pk=programme.pk),
                                  context=self.get_serializer_context())



@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class EnrollmentViewSet(VersionedRetrieveMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Enrolments of households (or, for training and employment, members) in programmes. The
    service checks eligibility at `enrolled_on` and keeps the review it was judged on as the
    baseline. Enrolments are never deleted: they end as completed or dropped out."""

    serializer_class = s.EnrollmentSerializer
    filterset_class = EnrollmentFilter
    cursor_ordering = "created_at"
    versioned = True
    extra_error_codes = {"POST": ["409"]}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return Enrollment.objects.visible_to(self.request.user).select_related("assigned_to")

    @extend_schema(request=s.EnrollmentSerializer, responses={201: s.EnrollmentSerializer})
    def create(self, request):
        serializer = s.EnrollmentSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        enrollment = services.enrollment_create(by=request.user, **serializer.validated_data)
        return versioned_response(s.EnrollmentSerializer, self.get_queryset().get(pk=enrollment.pk),
                                  context=self.get_serializer_context(), status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.EnrollmentTransitionSerializer, responses=s.EnrollmentSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], extra_error_codes={"POST": ["409", "412"]})
    def transition(self, request, pk=None):
        """Move the enrolment: enrolled → active → completed; suspended and back; dropped out
        (with a reason) from any unfinished state. An impossible move is a 409."""
        enrollment = self.get_object()
        serializer = s.EnrollmentTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.enrollment_transition(enrollment=enrollment, by=request.user,
                                       if_match=request.headers.get("If-Match"), **serializer.validated_data)
        return versioned_response(s.EnrollmentSerializer, self.get_queryset().get(pk=enrollment.pk),
                                  context=self.get_serializer_context())
