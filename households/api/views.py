from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from households import jobs, services
from households.api import serializers as s
from households.api.filters import (
    AccessLogFilter,
    AreaFilter,
    FormerUnitFilter,
    HouseholdFilter,
    MemberFilter,
    ReviewFilter,
)
from households.history import household_history
from households.models import (
    AccessLogEntry,
    Area,
    FormerUnit,
    FormerUnitSuccessor,
    Household,
    Member,
    PovertyStandard,
    Review,
)
from povertycase.etags import (
    IF_MATCH,
    IF_NONE_MATCH,
    VersionedRetrieveMixin,
    versioned_response,
)
from povertycase.jobs.api.views import ACCEPTED, accepted
from povertycase.jobs.models import Job
from povertycase.permissions import AdminOnly, AdminWrites, CountryAdminWrites, ManagerAccess
from povertycase.viewsets import ListCreatePatchViewSet


@extend_schema_view(
    create=extend_schema(request=s.AreaSerializer, responses={201: s.AreaSerializer}),
    partial_update=extend_schema(request=s.AreaUpdateSerializer, responses=s.AreaSerializer),
)
class AreaViewSet(ListCreatePatchViewSet):
    """Administrative units: provinces, (legacy) districts, communes and villages. Everyone
    reads the units of their area; admins add and correct them."""

    serializer_class = s.AreaSerializer
    permission_classes = [AdminWrites]
    filterset_class = AreaFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z_-]{1,16}"
    cursor_ordering = "code"

    def get_queryset(self):
        return Area.objects.visible_to(self.request.user).select_related("parent")

    def get_serializer_class(self):
        return s.AreaUpdateSerializer if self.action == "partial_update" else s.AreaSerializer

    def perform_create(self, serializer):
        serializer.instance = services.area_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.area_update(
            area=serializer.instance, by=self.request.user, changes=serializer.validated_data
        )


class FormerUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The provinces, districts and communes as they stood on 30 June 2025, before the
    reorganisation, each commune with the units of today its territory went into. Reference
    data for every signed-in user; loaded by `manage.py load_official_areas`."""

    serializer_class = s.FormerUnitSerializer
    filterset_class = FormerUnitFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z_-]{1,16}"
    cursor_ordering = "code"

    def get_queryset(self):
        return (FormerUnit.objects.visible_to(self.request.user).select_related("parent")
                .prefetch_related(Prefetch("successors", queryset=FormerUnitSuccessor.objects.order_by("code"))))

    def filter_queryset(self, queryset):
        # A successor filter joins the successors: one row per unit all the same.
        queryset = super().filter_queryset(queryset)
        return queryset.distinct() if "successor" in self.request.query_params else queryset


@extend_schema_view(
    retrieve=extend_schema(parameters=[IF_NONE_MATCH]),
)
class HouseholdViewSet(
    VersionedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The household register. Households are never deleted: archive them with a reason."""

    serializer_class = s.HouseholdSerializer
    filterset_class = HouseholdFilter
    cursor_ordering = "code"
    versioned = True
    extra_error_codes = {"POST": ["409"]}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        members = Member.objects.order_by("created_at", "id")
        return (
            Household.objects.visible_to(self.request.user)
            .select_related("area", "former_commune")
            .prefetch_related(Prefetch("members", queryset=members))
        )

    @extend_schema(
        request=s.HouseholdSerializer,
        responses={
            201: s.HouseholdSerializer,
            200: OpenApiResponse(s.HouseholdSerializer, description="A retried create: the "
                                 "household already stored under this id, unchanged."),
        },
    )
    def create(self, request):
        serializer = s.HouseholdSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        household, created = services.household_create(by=request.user, **serializer.validated_data)
        household = self.get_queryset().get(pk=household.pk)
        return versioned_response(
            s.HouseholdSerializer,
            household,
            context=self.get_serializer_context(),
            status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=s.HouseholdUpdateSerializer,
        responses=s.HouseholdSerializer,
        parameters=[IF_MATCH],
    )
    def partial_update(self, request, pk=None):
        household = self.get_object()
        serializer = s.HouseholdUpdateSerializer(
            household, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.household_update(
            household=household,
            by=request.user,
            changes=serializer.validated_data,
            if_match=request.headers.get("If-Match"),
        )
        return self._fresh(household)

    @extend_schema(
        request=s.HouseholdArchiveSerializer,
        responses=s.HouseholdSerializer,
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], extra_error_codes={"POST": ["409", "412"]})
    def archive(self, request, pk=None):
        """Archive the household (moved, dissolved, merged). Nothing is deleted."""
        household = self.get_object()
        serializer = s.HouseholdArchiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.household_archive(
            household=household,
            by=request.user,
            if_match=request.headers.get("If-Match"),
            **serializer.validated_data,
        )
        return self._fresh(household)

    @extend_schema(request=s.ChangeHeadSerializer, responses=s.HouseholdSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], url_path="change-head", extra_error_codes={"POST": ["409", "412"]})
    def change_head(self, request, pk=None):
        """Make another member the head; the former head takes the relationship you give."""
        household = self.get_object()
        serializer = s.ChangeHeadSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.household_change_head(
            household=household,
            by=request.user,
            if_match=request.headers.get("If-Match"),
            **serializer.validated_data,
        )
        return self._fresh(household)

    @extend_schema(responses=s.HistoryEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Every change to this household and its members, newest first: who, when, which
        fields, old and new values."""
        household = self.get_object()
        context = {**self.get_serializer_context(), "household_id": household.pk}
        return Response(s.HistoryEntrySerializer(household_history(household), many=True, context=context).data)

    def _fresh(self, household):
        household = self.get_queryset().get(pk=household.pk)
        return versioned_response(s.HouseholdSerializer, household, context=self.get_serializer_context())


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class MemberViewSet(
    VersionedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Household members. A household with members has exactly one head; members are never
    deleted: archive them with a reason."""

    serializer_class = s.MemberSerializer
    filterset_class = MemberFilter
    cursor_ordering = "created_at"
    versioned = True
    extra_error_codes: dict = {}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Member.objects.visible_to(self.request.user).select_related("household")

    @extend_schema(request=s.MemberSerializer, responses={201: s.MemberSerializer})
    def create(self, request):
        serializer = s.MemberSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        member = services.member_create(by=request.user, **serializer.validated_data)
        return versioned_response(
            s.MemberSerializer, member, context=self.get_serializer_context(),
            status_code=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.MemberSerializer, responses=s.MemberSerializer, parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        member = self.get_object()
        serializer = s.MemberSerializer(
            member, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        member = services.member_update(
            member=member,
            by=request.user,
            changes=serializer.validated_data,
            if_match=request.headers.get("If-Match"),
        )
        return versioned_response(s.MemberSerializer, member, context=self.get_serializer_context())

    @extend_schema(request=s.MemberArchiveSerializer, responses=s.MemberSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], extra_error_codes={"POST": ["409", "412"]})
    def archive(self, request, pk=None):
        """Archive the member (moved out, deceased, recorded in error). Nothing is deleted."""
        member = self.get_object()
        serializer = s.MemberArchiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_archive(
            member=member,
            by=request.user,
            if_match=request.headers.get("If-Match"),
            **serializer.validated_data,
        )
        return versioned_response(s.MemberSerializer, member, context=self.get_serializer_context())


@extend_schema_view(
    create=extend_schema(request=s.PovertyStandardSerializer, responses={201: s.PovertyStandardSerializer}),
    partial_update=extend_schema(request=s.PovertyStandardUpdateSerializer, responses={
        200: s.PovertyStandardSerializer,
        202: ACCEPTED,
    }, description=_(
        "Correct a standard (an admin of the whole country). Its draft reviews are classified again; "
        "approved reviews keep the class their decision gave them. With more drafts than "
        "RECLASSIFY_JOB_DRAFTS (default 1,000) the correction and the re-classification run together as "
        "a job (202): until it succeeds the standard reads as before, and its business-rule errors "
        "(overlapping years, a removed indicator in use) are the job's `errors`.")),
)
class PovertyStandardViewSet(ListCreatePatchViewSet):
    """Multidimensional poverty standards: income lines, average-living ceilings and indicators,
    each for its review years. Everyone reads them; only an admin of the whole country adds or
    corrects them (a standard holds for every commune)."""

    permission_classes = [CountryAdminWrites]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9_.-]{1,32}"
    cursor_ordering = "first_year"

    def get_queryset(self):
        return PovertyStandard.objects.visible_to(self.request.user).prefetch_related("indicators")

    def get_serializer_class(self):
        if self.action == "partial_update":
            return s.PovertyStandardUpdateSerializer
        return s.PovertyStandardSerializer

    def perform_create(self, serializer):
        serializer.instance = services.standard_create(by=self.request.user, **serializer.validated_data)

    def partial_update(self, request, code=None):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        outcome = jobs.standard_update_or_start(standard=serializer.instance, by=request.user,
                                                changes=serializer.validated_data)
        if isinstance(outcome, Job):
            return accepted(request, outcome)
        return Response(self.get_serializer(self.get_queryset().get(pk=outcome.pk)).data)

    @extend_schema(request=s.ClassifyRequestSerializer, responses=s.ClassificationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def classify(self, request, code=None):
        """The class, deprivation count and explanation a review under this standard would give
        these figures, recording nothing. Works for any standard, one not yet in force
        included: to train on a new standard, or to show the class while a form is filled in."""
        standard = self.get_object()
        query = s.ClassifyRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        return Response(s.ClassificationSerializer(
            services.standard_classify(standard=standard, **query.validated_data)).data)


@extend_schema_view(retrieve=extend_schema(parameters=[IF_NONE_MATCH]))
class ReviewViewSet(
    VersionedRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Annual poverty reviews. Officers record drafts; managers approve them with the commune's
    recognition decision. An approved review is corrected by a new review (`corrects`)."""

    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilter
    cursor_ordering = "created_at"
    versioned = True
    extra_error_codes: dict = {"PATCH": ["409"]}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Review.objects.visible_to(self.request.user)
            .select_related("standard", "approved_by")
        )

    def get_permissions(self):
        if self.action in ("approve", "approve_area"):
            return [ManagerAccess()]
        return super().get_permissions()

    @extend_schema(request=s.ReviewSerializer, responses={201: s.ReviewSerializer})
    def create(self, request):
        serializer = s.ReviewSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        review = services.review_record(by=request.user, **serializer.validated_data)
        return versioned_response(s.ReviewSerializer, self.get_queryset().get(pk=review.pk),
                                  context=self.get_serializer_context(), status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReviewUpdateSerializer, responses=s.ReviewSerializer, parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        review = self.get_object()
        serializer = s.ReviewUpdateSerializer(review, data=request.data, partial=True,
                                              context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.review_update(review=review, by=request.user, changes=serializer.validated_data,
                               if_match=request.headers.get("If-Match"))
        return versioned_response(s.ReviewSerializer, self.get_queryset().get(pk=review.pk),
                                  context=self.get_serializer_context())

    @extend_schema(request=s.ApprovalSerializer, responses=s.ReviewSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], extra_error_codes={"POST": ["409", "412"]})
    def approve(self, request, pk=None):
        """Approve a draft review (managers). Approving recomputes the transitions of the
        household's later reviews."""
        review = self.get_object()
        serializer = s.ApprovalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.review_approve(review=review, by=request.user, if_match=request.headers.get("If-Match"),
                                **serializer.validated_data)
        return versioned_response(s.ReviewSerializer, self.get_queryset().get(pk=review.pk),
                                  context=self.get_serializer_context())

    @extend_schema(request=s.AreaApprovalSerializer, operation_id="v1_reviews_approve_area",
                   responses={200: s.AreaApprovalResultSerializer, 202: ACCEPTED})
    @action(detail=False, methods=["post"], url_path="approve", filterset_class=None, pagination_class=None)
    def approve_area(self, request):
        """Approve every draft review of a year in an area (managers): one recognition
        decision for a commune's whole list. More drafts than APPROVAL_JOB_DRAFTS (default 2,000)
        are approved by a job (202), whose `errors` say why if it is refused."""
        serializer = s.AreaApprovalSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        outcome = jobs.area_approval_or_start(by=request.user, reviews=self.get_queryset(),
                                              **serializer.validated_data)
        if isinstance(outcome, Job):
            return accepted(request, outcome)
        return Response({"approved": outcome})


class AccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who read whole national ID numbers, when, through which endpoint, and whose: one entry
    per response (lists, details, history, exports). Admins only; an entry is listed when it
    read a household of your area, and names only those households."""

    serializer_class = s.AccessLogEntrySerializer
    permission_classes = [AdminOnly]
    filterset_class = AccessLogFilter
    cursor_ordering = ("-at", "-id")

    def get_queryset(self):
        households = Household.objects.visible_to(self.request.user).only("pk")
        return (
            AccessLogEntry.objects.visible_to(self.request.user)
            .select_related("user")
            .prefetch_related(Prefetch("households", queryset=households))
        )
