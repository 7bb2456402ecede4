"""Chương trình: the programmes open to the caller's area with their disbursement against plan,
a household's recommended programmes and its enrolment, then the enrolment's status moves,
support delivered and case notes; through the same services, scope and roles as the API."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from households.models import Indicator, Member, PovertyClass
from povertycase.errors import Conflict, PreconditionFailed
from povertycase.web.access import RolePage, WritePage, can_write
from povertycase.web.forms import CONFLICT, apply_errors, filled, refusals_on, with_params
from povertycase.web.programme_forms import (
    CancelDeliveryForm,
    CaseNoteForm,
    DeliveryForm,
    EnrolForm,
    TransitionForm,
)
from povertycase.web.views.households import visible_household
from programmes import services
from programmes.api.filters import ProgrammeFilter
from programmes.models import CaseNote, Delivery, Enrollment, Period, Programme
from programmes.recommendations import recommendations_for
from programmes.reports import disbursement

PAGE = 25
ENROLMENTS_PAGE = 50


def _one(queryset, pk):
    """The row `pk` of `queryset` (already narrowed to what the caller sees), or 404."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValidationError, ValueError):
        raise Http404


def indicator_names(codes) -> list[str]:
    """The indicators' names in the page's language: a programme's targets are codes, not tied
    to one standard, so each is named by the latest standard in force that has it."""
    if not codes:
        return []
    english = (get_language() or "vi").startswith("en")
    year = timezone.localdate().year
    rows = Indicator.objects.filter(code__in=codes).values_list("code", "standard__first_year", "name_vi", "name_en")
    names = {}
    for code, first_year, vi, en in sorted(rows, key=lambda row: (row[1] <= year, row[1])):
        names[code] = en if english else vi
    return [names.get(code, code) for code in codes]


class ProgrammeList(RolePage, View):
    def get(self, request):
        programmes = Programme.objects.visible_to(request.user).select_related("area").order_by("code")
        query = filled(request.GET)
        after = query.pop("after", [""])[0]
        filters = ProgrammeFilter(query, queryset=programmes, request=request)
        rows = filters.qs if filters.is_valid() else programmes.none()
        if after:
            rows = rows.filter(code__gt=after)
        page = list(rows[:PAGE + 1])
        more = page[PAGE - 1].code if len(page) > PAGE else None
        return render(request, "web/programmes/list.html", {
            "programmes": page[:PAGE], "filters": filters, "searched": query,
            "kinds": Programme.Kind.choices, "statuses": Programme.Status.choices,
            "next": f"?{with_params(query, after=more)}" if more else None})


class ProgrammeDetail(RolePage, View):
    def get(self, request, pk):
        programme = _one(Programme.objects.visible_to(request.user).select_related("area", "parent"), pk)
        period = request.GET.get("period")
        if period not in Period.values:
            period = programme.plan_period
        report = _labelled(disbursement(programme, user=request.user, period=period))
        enrollments = (Enrollment.objects.visible_to(request.user).filter(programme=programme)
                       .select_related("household", "member").order_by("household__code", "id"))
        after = request.GET.get("after")
        if after:
            code, last = _one(enrollments.values_list("household__code", "id"), after)
            enrollments = enrollments.filter(Q(household__code__gt=code) | Q(household__code=code, id__gt=last))
        page = list(enrollments[:ENROLMENTS_PAGE + 1])
        more = page[ENROLMENTS_PAGE - 1].pk if len(page) > ENROLMENTS_PAGE else None
        eligible = [PovertyClass(c).label for c in programme.eligible_classes]
        if programme.escaped_within_years:
            eligible.append(_("households that escaped poverty within %(years)d years") % {
                "years": programme.escaped_within_years})
        return render(request, "web/programmes/detail.html", {
            "programme": programme, "report": report, "period": period, "periods": Period.choices,
            "targets": indicator_names(programme.targets), "eligible": eligible,
            "person_kind": programme.kind in Programme.PERSON_KINDS,
            "enrollments": page[:ENROLMENTS_PAGE],
            "next": f"?{with_params(request.GET, after=more, period=period)}#enrolments" if more else None,
            "xlsx": reverse("programme-disbursement-xlsx", args=[programme.pk]) + f"?period={period}",
        })


def _labelled(report: dict) -> dict:
    """The report's periods and funding sources named as people read them: 08/2026, Q3/2026."""
    for figures in (report, report["rollup"]):
        tables = [figures["periods"]] + [source["periods"] for source in figures["by_source"]]
        for source in figures["by_source"]:
            source["label"] = Programme.FundingSource(source["funding_source"]).label
        for rows in tables:
            for row in rows:
                start = row["starts_on"]
                row["label"] = (f"{start:%m/%Y}" if report["period"] == Period.MONTH else
                                _("Q%(quarter)d/%(year)d") % {"quarter": (start.month - 1) // 3 + 1, "year": start.year})
    return report


class HouseholdProgrammes(RolePage, View):
    """The programmes a household may join today, with why, and its enrolment in one of them."""

    def get(self, request, pk):
        household = visible_household(request, pk)
        return self.page(request, household)

    def post(self, request, pk):
        household = visible_household(request, pk)
        programme = _one(Programme.objects.visible_to(request.user), request.POST.get("programme"))
        found, deprivations = recommendations_for(household, on=timezone.localdate())
        recommended = next((r for r in found if r.programme.pk == programme.pk), None)
        form = self.form(household, programme, recommended, request.POST)
        if form.is_valid():
            with refusals_on(form):
                enrollment = services.enrollment_create(
                    by=request.user, programme=programme, household=household,
                    enrolled_on=form.cleaned_data["enrolled_on"], member=form.cleaned_data.get("member"))
                messages.success(request, _("Household %(code)s is enrolled in %(programme)s.") % {
                    "code": household.code, "programme": programme.name})
                return redirect("web:programme-enrollment", pk=enrollment.pk)
        if recommended is None:
            # No longer on the list (enrolled meanwhile, or full): say why above the list.
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"{programme.name}: {error}")
            return redirect("web:programme-recommendations", pk=household.pk)
        return self.page(request, household, bound={programme.pk: form}, recommendations=(found, deprivations))

    def form(self, household, programme, recommended, data=None) -> EnrolForm:
        members = None
        if programme.kind in Programme.PERSON_KINDS:
            members = household.members.filter(status=Member.Status.ACTIVE).order_by("full_name")
            if recommended is not None:
                members = members.filter(pk__in=[m.pk for m in recommended.members])
        return EnrolForm(data, prefix=f"p{programme.pk}", members=members)

    def page(self, request, household, bound=None, recommendations=None):
        found, deprivations = recommendations or recommendations_for(household, on=timezone.localdate())
        bound = bound or {}
        writer = can_write(request.user)
        cards = [{"recommendation": r, "targeted": indicator_names(r.targeted),
                  "form": bound.get(r.programme.pk) or (self.form(household, r.programme, r) if writer else None)}
                 for r in found]
        return render(request, "web/programmes/recommendations.html", {
            "household": household, "cards": cards, "deprivations": indicator_names(deprivations),
            "head": household.members.filter(relationship=Member.Relationship.HEAD, status=Member.Status.ACTIVE).first(),
            "enrollments": Enrollment.objects.visible_to(request.user).filter(household=household)
                                             .select_related("programme", "member").order_by("-enrolled_on"),
            "today": timezone.localdate()})


def visible_enrollment(request, pk) -> Enrollment:
    return _one(Enrollment.objects.visible_to(request.user).select_related(
        "programme__area", "household__area", "member", "assigned_to"), pk)


class EnrollmentDetail(RolePage, View):
    """An enrolment: its baseline, support delivered, notes, and (for writers) its status moves."""

    def get(self, request, pk):
        enrollment = visible_enrollment(request, pk)
        return self.page(request, enrollment, self.form(enrollment))

    def post(self, request, pk):
        enrollment = visible_enrollment(request, pk)
        form = self.form(enrollment, request.POST)
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                with refusals_on(form):
                    services.enrollment_transition(enrollment=enrollment, by=request.user, status=data["status"],
                                                   on=data["on"], reason=data["reason"], if_match=form.if_match())
                    messages.success(request, _("The enrolment is now %(status)s.") % {
                        "status": Enrollment.Status(data["status"]).label})
                    return redirect("web:programme-enrollment", pk=pk)
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                return redirect("web:programme-enrollment", pk=pk)
        return self.page(request, enrollment, form)

    def form(self, enrollment, data=None) -> TransitionForm | None:
        if not Enrollment.MOVES[enrollment.status]:
            return None
        return TransitionForm(data, current=enrollment.status, initial={"version": enrollment.version})

    def page(self, request, enrollment, form):
        return render(request, "web/programmes/enrollment.html", {
            "enrollment": enrollment, "programme": enrollment.programme, "household": enrollment.household,
            "form": form if can_write(request.user) else None,
            "baseline": indicator_names(enrollment.baseline_deprivations),
            "baseline_class": PovertyClass(enrollment.baseline_class).label,
            "deliveries": Delivery.objects.visible_to(request.user).filter(enrollment=enrollment)
                                          .select_related("recorded_by", "cancelled_by")
                                          .order_by("-delivered_on", "-created_at"),
            "notes": CaseNote.objects.visible_to(request.user).filter(enrollment=enrollment)
                                     .select_related("author").order_by("-visited_on", "-created_at")})


def _budget(programme: Programme) -> dict:
    """What the delivery form shows: the programme's budget, what its deliveries have spent
    (cancelled ones left out), and what is left. Read only: the service decides."""
    spent = programme.deliveries.counted().aggregate(total=Sum("value"))["total"] or 0
    return {"budget": programme.budget, "spent": spent, "left": programme.budget - spent}


class DeliveryCreate(WritePage, View):
    def get(self, request, pk):
        enrollment = visible_enrollment(request, pk)
        form = DeliveryForm(initial={"funding_source": enrollment.programme.funding_source})
        return self.page(request, enrollment, form)

    def post(self, request, pk):
        enrollment = visible_enrollment(request, pk)
        form = DeliveryForm(request.POST)
        if form.is_valid():
            try:
                services.delivery_record(by=request.user, enrollment=enrollment, **form.cleaned_data)
            except Conflict as conflict:
                form.add_error(None, conflict.message)
                form.add_error(None, _("Nothing was recorded. Record a smaller value, or ask the programme's "
                                       "manager to raise the budget."))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Delivery recorded."))
                return redirect("web:programme-enrollment", pk=pk)
        return self.page(request, enrollment, form)

    def page(self, request, enrollment, form):
        return render(request, "web/programmes/delivery.html", {
            "enrollment": enrollment, "programme": enrollment.programme, "form": form,
            "budget": _budget(enrollment.programme)})


class DeliveryCancel(WritePage, View):
    def delivery(self, request, pk) -> Delivery:
        return _one(Delivery.objects.visible_to(request.user).select_related(
            "enrollment__household", "enrollment__member", "programme", "cancelled_by"), pk)

    def get(self, request, pk):
        delivery = self.delivery(request, pk)
        form = CancelDeliveryForm(initial={"version": delivery.version})
        return render(request, "web/programmes/cancel.html", {"delivery": delivery, "form": form})

    def post(self, request, pk):
        delivery = self.delivery(request, pk)
        form = CancelDeliveryForm(request.POST)
        if form.is_valid():
            try:
                with refusals_on(form):
                    services.delivery_cancel(delivery=delivery, by=request.user, reason=form.cleaned_data["reason"],
                                             if_match=form.if_match())
                    messages.success(request, _("The delivery is cancelled; it no longer counts against the budget."))
                    return redirect("web:programme-enrollment", pk=delivery.enrollment_id)
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                return redirect("web:programme-delivery-cancel", pk=pk)
        return render(request, "web/programmes/cancel.html", {"delivery": delivery, "form": form})


class CaseNoteCreate(WritePage, View):
    def enrollments(self, request, household):
        return (Enrollment.objects.visible_to(request.user).filter(household=household)
                .select_related("programme", "member").order_by("-enrolled_on"))

    def get(self, request, pk):
        household = visible_household(request, pk)
        form = CaseNoteForm(initial={"enrollment": request.GET.get("enrollment")},
                            enrollments=self.enrollments(request, household))
        return render(request, "web/programmes/note.html", {"household": household, "form": form})

    def post(self, request, pk):
        household = visible_household(request, pk)
        form = CaseNoteForm(request.POST, enrollments=self.enrollments(request, household))
        if form.is_valid():
            try:
                note = services.case_note_create(by=request.user, household=household, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Case note saved."))
                if note.enrollment_id:
                    return redirect("web:programme-enrollment", pk=note.enrollment_id)
                return redirect("web:household", pk=household.pk)
        return render(request, "web/programmes/note.html", {"household": household, "form": form})


urlpatterns = [
    path("programmes/", ProgrammeList.as_view(), name="programmes"),
    path("programmes/<int:pk>/", ProgrammeDetail.as_view(), name="programme"),
    path("households/<uuid:pk>/programmes/", HouseholdProgrammes.as_view(), name="programme-recommendations"),
    path("households/<uuid:pk>/case-notes/new/", CaseNoteCreate.as_view(), name="programme-case-note-new"),
    path("enrollments/<uuid:pk>/", EnrollmentDetail.as_view(), name="programme-enrollment"),
    path("enrollments/<uuid:pk>/deliveries/new/", DeliveryCreate.as_view(), name="programme-delivery-new"),
    path("deliveries/<uuid:pk>/cancel/", DeliveryCancel.as_view(), name="programme-delivery-cancel"),
]
