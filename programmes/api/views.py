from datetime import timedelta

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from households.api.reports import AreaQuerySerializer
from households.models import Household, Member
from povertycase.etags import IF_MATCH, IF_NONE_MATCH, VersionedRetrieveMixin, versioned_response
from povertycase.permissions import ManagerAccess
from povertycase.reporting import ReportView
from povertycase.viewsets import ServiceCreateMixin
from programmes import services
from programmes.api import serializers as s
from programmes.api.filters import (
    CaseNoteFilter,
    DeliveryFilter,
    EnrollmentFilter,
    FollowUpDueFilter,
    FollowUpFilter,
    ProgrammeFilter,
)
from programmes.models import (
    CaseNote,
    Delivery,
    DisbursementPlanLine,
    Enrollment,
    FollowUp,
    FollowUpDue,
    Programme,
)
from programmes.recommendations import recommendations_for
from programmes.reports import disbursement, disbursement_table, programme_outcomes, programmes_summary


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class ProgrammeViewSet(ServiceCreateMixin, VersionedRetrieveMixin, mixins.ListModelMixin,
                       mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Programmes: national programmes, their projects and local interventions. Everyone reads
    the programmes open to their area; managers create and change those of their own area."""

    serializer_class = s.ProgrammeSerializer
    permission_classes = [ManagerAccess]
    filterset_class = ProgrammeFilter
    cursor_ordering = "code"
    versioned = True
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_service = staticmethod(services.programme_create)

    def get_queryset(self):
        programmes = Programme.objects.visible_to(self.request.user).select_related("area", "parent")
        if self.action == "disbursement":
            return programmes
        return programmes.prefetch_related(
            Prefetch("plan", queryset=DisbursementPlanLine.objects.order_by("period", "funding_source")))

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

    @extend_schema(parameters=[s.DisbursementQuerySerializer], responses=s.DisbursementSerializer)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def disbursement(self, request, pk=None):
        """Disbursement against plan: in each month or quarter, what was planned and delivered,
        both cumulatively, the gap and whether delivery was behind plan, in total and by
        funding source; the budget and the share of it disbursed. For the programme alone and
        rolled up with its projects. Cancelled deliveries are left out. For a programme that
        runs beyond your area, the figures count the deliveries in your area only. The same
        as a workbook: `xlsx/`."""
        return Response(s.DisbursementSerializer(_disbursement(request, self.get_object())).data)


def _disbursement(request, programme: Programme) -> dict:
    query = s.DisbursementQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return disbursement(programme, user=request.user, period=query.validated_data["period"])


class DisbursementDownloadView(ReportView):
    @extend_schema(parameters=[s.DisbursementQuerySerializer])
    def get(self, request, pk):
        """Disbursement against plan as a workbook: the figures of
        `/programmes/{id}/disbursement/`, one table per funding source."""
        programme = get_object_or_404(Programme.objects.visible_to(request.user).select_related("area"), pk=pk)
        report = _disbursement(request, programme)
        return Response(disbursement_table(report), headers={
            "Content-Disposition": f'attachment; filename="disbursement-{programme.pk}-{report["period"]}.xlsx"'})


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class EnrollmentViewSet(ServiceCreateMixin, VersionedRetrieveMixin, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enrolments of households (or, for training and employment, members) in programmes. The
    service checks eligibility at `enrolled_on` and keeps the review it was judged on as the
    baseline. Enrolments are never deleted: they end as completed or dropped out."""

    serializer_class = s.EnrollmentSerializer
    filterset_class = EnrollmentFilter
    cursor_ordering = "created_at"
    versioned = True
    extra_error_codes = {"POST": ["409"]}
    http_method_names = ["get", "post", "head", "options"]
    create_service = staticmethod(services.enrollment_create)

    def get_queryset(self):
        return Enrollment.objects.visible_to(self.request.user).select_related("assigned_to")

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


class RecommendationsView(APIView):
    @extend_schema(
        parameters=[s.OnQuerySerializer],
        responses=s.RecommendationsSerializer,
    )
    def get(self, request, pk):
        """The open programmes this household may enrol in, ranked by how many of its current
        deprivations each targets, with the reason for each. Programmes it already holds an
        unfinished enrolment in are left out; so are full ones."""
        household = get_object_or_404(Household.objects.visible_to(request.user).select_related("area"), pk=pk)
        query = s.OnQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        found, deprivations = recommendations_for(household, on=on)
        return Response(s.RecommendationsSerializer({
            "household": household.pk, "on": on, "deprivations": deprivations, "programmes": found}).data)


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class DeliveryViewSet(ServiceCreateMixin, VersionedRetrieveMixin, mixins.ListModelMixin,
                      mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Support delivered under enrolments: cash, goods, loans, training, services, each with its
    value in whole VND. A delivery that would take its programme past the budget is refused
    with 409. Deliveries are never deleted: one recorded by mistake is cancelled."""

    serializer_class = s.DeliverySerializer
    filterset_class = DeliveryFilter
    cursor_ordering = "created_at"
    versioned = True
    extra_error_codes = {"POST": ["409"]}
    http_method_names = ["get", "post", "head", "options"]
    create_service = staticmethod(services.delivery_record)

    def get_queryset(self):
        return Delivery.objects.visible_to(self.request.user).select_related("recorded_by", "cancelled_by")

    @extend_schema(request=s.CancelSerializer, responses=s.DeliverySerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], extra_error_codes={"POST": ["409", "412"]})
    def cancel(self, request, pk=None):
        """Cancel a delivery recorded by mistake, with the reason. It stays on record and stops
        counting against the budget. Cancelling twice is a 409."""
        delivery = self.get_object()
        serializer = s.CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.delivery_cancel(delivery=delivery, by=request.user, if_match=request.headers.get("If-Match"),
                                 **serializer.validated_data)
        return versioned_response(s.DeliverySerializer, self.get_queryset().get(pk=delivery.pk),
                                  context=self.get_serializer_context())


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class FollowUpViewSet(ServiceCreateMixin, VersionedRetrieveMixin, mixins.ListModelMixin,
                      mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What became of an enrolment: income, work, earnings, certificate. Follow-ups are owed
    1 and 6 months after a training or employment enrolment completes, 6 and 12 months after
    any other; `due/` lists those not yet met."""

    serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilter
    versioned = True
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_service = staticmethod(services.follow_up_record)

    def get_queryset(self):
        if self.action == "due":
            return FollowUpDue.objects.visible_to(self.request.user).open().select_related(
                "enrollment__programme__area", "enrollment__household__area", "enrollment__member",
                "enrollment__assigned_to").prefetch_related(Prefetch(
                    "enrollment__household__members", to_attr="heads",
                    queryset=Member.objects.filter(relationship=Member.Relationship.HEAD, status=Member.Status.ACTIVE)))
        return FollowUp.objects.visible_to(self.request.user).select_related("recorded_by")

    @property
    def cursor_ordering(self):
        return ("due_on", "id") if self.action == "due" else "created_at"

    @extend_schema(request=s.FollowUpUpdateSerializer, responses=s.FollowUpSerializer, parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        follow_up = self.get_object()
        serializer = s.FollowUpUpdateSerializer(follow_up, data=request.data, partial=True,
                                                context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.follow_up_update(follow_up=follow_up, by=request.user, changes=serializer.validated_data,
                                  if_match=request.headers.get("If-Match"))
        return versioned_response(s.FollowUpSerializer, self.get_queryset().get(pk=follow_up.pk),
                                  context=self.get_serializer_context())

    @extend_schema(responses=s.FollowUpDueSerializer(many=True))
    @action(detail=False, methods=["get"], filterset_class=FollowUpDueFilter, versioned=False)
    def due(self, request):
        """Follow-ups due or overdue and not yet met, soonest first: whom to visit. A follow-up
        observed from 14 days before a due date meets it."""
        today = timezone.localdate()
        queryset = self.filter_queryset(self.get_queryset())
        if "before" not in request.query_params:
            queryset = queryset.filter(due_on__lte=today + timedelta(days=7))
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "today": today}
        return self.get_paginated_response(s.FollowUpDueSerializer(page, many=True, context=context).data)


class CaseNoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Notes of visits to households, optionally about one enrolment. The author and time are
    the server's. Notes are kept as written: to correct one, write another."""

    serializer_class = s.CaseNoteSerializer
    filterset_class = CaseNoteFilter
    cursor_ordering = "created_at"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return CaseNote.objects.visible_to(self.request.user).select_related("author")

    @extend_schema(request=s.CaseNoteSerializer, responses={201: s.CaseNoteSerializer})
    def create(self, request):
        serializer = s.CaseNoteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        note = services.case_note_create(by=request.user, **serializer.validated_data)
        return Response(s.CaseNoteSerializer(self.get_queryset().get(pk=note.pk),
                                             context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class ProgrammeOutcomesView(ReportView):
    report_name = "programme-outcomes"

    @extend_schema(responses=s.ProgrammeOutcomesSerializer)
    def get(self, request, pk):
        """What became of a programme's households: exits from poverty and whether they
        lasted, relapses, income, work and certificates (training and employment), cost per
        exit, and the exit rate of comparable households not enrolled. Counts the enrolments,
        deliveries and households of your area."""
        programme = get_object_or_404(Programme.objects.visible_to(request.user).select_related("area"), pk=pk)
        return self.answer(programme_outcomes(programme, user=request.user))


class ProgrammesReportView(ReportView):
    report_name = "programmes"

    @extend_schema(parameters=[AreaQuerySerializer], responses=s.ProgrammesReportSerializer)
    def get(self, request):
        """The headline outcomes of every programme run in the area, one row each, to rank them. By
        former_area: every programme that enrolled households registered in that former unit
        before July 2025, its figures counting those households only."""
        query = AreaQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        area, former = query.validated_data["area"], query.validated_data["former_area"]
        return self.answer({"area": None if former else (area.code if area else None),
                            "former_area": former.code if former else None,
                            "programmes": programmes_summary(area=area, user=request.user, former=former)})
