"""Hộ gia đình: the register of the caller's area, a household's whole file, and the officer's
changes to households and members, through the same services and scope as the API."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from households import services
from households.api.filters import HouseholdFilter
from households.history import household_history
from households.models import Area, Household, Member, PovertyClass, Review, SupportNeed
from households.personal_data import national_id_for
from povertycase.errors import Conflict, PreconditionFailed
from povertycase.formats import day
from povertycase.web.access import RolePage, WritePage
from povertycase.web.forms import (
    CONFLICT,
    ArchiveForm,
    HouseholdForm,
    MemberForm,
    NewHouseholdForm,
    NewMemberForm,
    apply_errors,
    refusals_on,
    with_params,
)
from programmes.models import CaseNote, Delivery, Enrollment, FollowUp

PAGE = 25


def visible_household(request, pk) -> Household:
    try:
        return Household.objects.visible_to(request.user).select_related("area__parent", "former_commune").get(pk=pk)
    except (Household.DoesNotExist, ValidationError):
        raise Http404


class HouseholdList(RolePage, View):
    def get(self, request):
        households = Household.objects.visible_to(request.user).select_related("area").order_by("code")
        query = request.GET.copy()
        for name in [n for n, v in query.items() if v == ""]:
            del query[name]  # an empty field of the form is no filter
        after = query.pop("after", [""])[0]
        filters = HouseholdFilter(query, queryset=households, request=request)
        rows = filters.qs if filters.is_valid() else households.none()
        if after:
            rows = rows.filter(code__gt=after)
        page = list(rows.prefetch_related(Prefetch(
            "members", queryset=Member.objects.filter(relationship="head", status="active"), to_attr="heads"))[:PAGE + 1])
        villages = Area.objects.visible_to(request.user).filter(level=Area.Level.VILLAGE).order_by("code")
        more = page[PAGE - 1].code if len(page) > PAGE else None
        return render(request, "web/households/list.html", {
            "households": page[:PAGE], "filters": filters, "villages": villages, "classes": PovertyClass.choices,
            "next": f"?{with_params(query, after=more)}" if more else None, "searched": query})


class HouseholdDetail(RolePage, View):
    def get(self, request, pk):
        household = visible_household(request, pk)
        members = list(household.members.order_by("status", "created_at"))
        for member in members:
            member.shown_national_id = national_id_for(request, member.national_id, household.pk)
        reviews = list(Review.objects.filter(household=household).select_related("standard")
                       .order_by("-year", "-reviewed_on", "-created_at"))
        latest = next((r for r in reviews if r.status == Review.Status.APPROVED), None)
        enrollments = list(Enrollment.objects.filter(household=household).select_related("programme", "member")
                           .order_by("-enrolled_on"))
        context = {
            "household": household, "members": members, "reviews": reviews, "latest": latest,
            "enrollments": enrollments,
            "deliveries": Delivery.objects.filter(enrollment__household=household).select_related("programme")
                                          .order_by("-delivered_on")[:50],
            "follow_ups": FollowUp.objects.filter(enrollment__household=household).select_related(
                "enrollment__programme").order_by("-observed_on")[:50],
            "notes": CaseNote.objects.filter(household=household).select_related("author").order_by("-created_at")[:50],
            "history": _readable(request, household, household_history(household)[:100]),
        }
        return render(request, "web/households/detail.html", context)


def _readable(request, household, entries):
    """The history as people read it: fields by their names, values as the pages show them
    (choices by label, dates and money the local way, related rows by code and name), national
    IDs as the caller may see them."""
    models = {"household": Household, "member": Member}
    changes = []
    for entry in entries:
        for change in entry["changes"]:
            try:
                change["model_field"] = models[entry["object"]]._meta.get_field(change["field"])
            except Exception:  # a field since removed keeps its code and raw values
                change["label"] = change["field"]
                continue
            change["label"] = change["model_field"].verbose_name
            changes.append(change)
    related = {}  # the rows history refers to by id, one query per kind of row
    for change in changes:
        field = change["model_field"]
        if field.is_relation and field.name != "area":  # areas are already codes
            related.setdefault(field.related_model, set()).update(
                value for value in (change["old"], change["new"]) if value is not None)
    names = {model: {row.pk: str(row) for row in model.objects.filter(pk__in=ids)} for model, ids in related.items()}
    for change in changes:
        field = change.pop("model_field")
        if field.name == "national_id":
            change["old"] = national_id_for(request, change["old"], household.pk)
            change["new"] = national_id_for(request, change["new"], household.pk)
        elif field.related_model in names:
            shown = names[field.related_model]
            change["old"], change["new"] = (shown.get(v, v) if v is not None else "—" for v in (change["old"], change["new"]))
        else:
            change["old"], change["new"] = _shown(field, change["old"]), _shown(field, change["new"])
    return entries


def _shown(field, value):
    if value is None or value == "" or value == []:
        return "—"
    if field.name == "support_needs":
        labels = dict(SupportNeed.choices)
        return ", ".join(str(labels.get(need, need)) for need in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.date):
        return day(value)
    return value


class HouseholdCreate(WritePage, View):
    def areas(self, request):
        return Area.objects.visible_to(request.user).filter(level__in=Area.HOUSEHOLD_LEVELS).order_by("code")

    def get(self, request):
        return self.page(request, NewHouseholdForm(areas=self.areas(request)), NewMemberForm(prefix="head"))

    def post(self, request):
        form = NewHouseholdForm(request.POST, areas=self.areas(request))
        head = NewMemberForm(request.POST, prefix="head")
        if form.is_valid() and head.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            person = {**head.cleaned_data, "relationship": Member.Relationship.HEAD}
            try:
                household, _created = services.household_create(by=request.user, members=[person], **data)
            except ValidationError as error:
                apply_errors(form, error)
                apply_errors(head, error, prefix="members.0.")
            else:
                messages.success(request, _("Household %(code)s registered.") % {"code": household.code})
                return redirect("web:household", pk=household.pk)
        return self.page(request, form, head)

    def page(self, request, form, head):
        head.fields["relationship"].disabled = True
        head.fields["relationship"].initial = Member.Relationship.HEAD
        return render(request, "web/households/new.html", {"form": form, "head": head})


class HouseholdEdit(WritePage, View):
    def get(self, request, pk):
        household = visible_household(request, pk)
        return render(request, "web/households/edit.html", {"household": household,
                                                             "form": HouseholdForm.of(household)})

    def post(self, request, pk):
        household = visible_household(request, pk)
        form = HouseholdForm(request.POST)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                with refusals_on(form):
                    services.household_update(household=household, by=request.user, changes=changes,
                                              if_match=form.if_match())
                    messages.success(request, _("Saved."))
                    return redirect("web:household", pk=pk)
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                return render(request, "web/households/edit.html", {
                    "household": visible_household(request, pk), "form": HouseholdForm.of(visible_household(request, pk))})
        return render(request, "web/households/edit.html", {"household": household, "form": form})


class HouseholdArchive(WritePage, View):
    def form(self, household, data=None):
        form = ArchiveForm(data, reasons=Household.ArchiveReason.choices, initial={"version": household.version})
        return form

    def get(self, request, pk):
        household = visible_household(request, pk)
        return render(request, "web/households/archive.html", {"household": household, "form": self.form(household)})

    def post(self, request, pk):
        household = visible_household(request, pk)
        form = self.form(household, request.POST)
        if form.is_valid():
            try:
                services.household_archive(household=household, by=request.user, reason=form.cleaned_data["reason"],
                                           if_match=form.if_match())
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                return redirect("web:household", pk=pk)
            except Conflict as conflict:
                form.add_error(None, conflict.message)
            else:
                messages.success(request, _("The household is archived; its file is kept."))
                return redirect("web:household", pk=pk)
        return render(request, "web/households/archive.html", {"household": household, "form": form})


class MemberCreate(WritePage, View):
    def get(self, request, pk):
        household = visible_household(request, pk)
        form = NewMemberForm(initial={"relationship": Member.Relationship.CHILD})
        return render(request, "web/households/member.html", {"household": household, "form": form})

    def post(self, request, pk):
        household = visible_household(request, pk)
        form = NewMemberForm(request.POST)
        if form.is_valid():
            try:
                services.member_create(by=request.user, household=household, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("%(name)s added.") % {"name": form.cleaned_data["full_name"]})
                return redirect("web:household", pk=pk)
        return render(request, "web/households/member.html", {"household": household, "form": form})


class MemberEdit(WritePage, View):
    def member(self, request, pk, member_pk) -> tuple[Household, Member]:
        household = visible_household(request, pk)
        try:
            return household, household.members.get(pk=member_pk)
        except (Member.DoesNotExist, ValidationError):
            raise Http404

    def get(self, request, pk, member_pk):
        household, member = self.member(request, pk, member_pk)
        form = MemberForm.of(member)
        form.initial["national_id"] = national_id_for(request, member.national_id, household.pk) or ""
        return render(request, "web/households/member.html", {"household": household, "member": member, "form": form})

    def post(self, request, pk, member_pk):
        household, member = self.member(request, pk, member_pk)
        form = MemberForm(request.POST)
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k != "version" and getattr(member, k) != v}
            try:
                with refusals_on(form):
                    services.member_update(member=member, by=request.user, changes=changes, if_match=form.if_match())
                    messages.success(request, _("Saved."))
                    return redirect("web:household", pk=pk)
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                return redirect("web:household-member-edit", pk=pk, member_pk=member_pk)
        return render(request, "web/households/member.html", {"household": household, "member": member, "form": form})


class MemberArchive(MemberEdit):
    def get(self, request, pk, member_pk):
        household, member = self.member(request, pk, member_pk)
        form = ArchiveForm(reasons=Member.ArchiveReason.choices, initial={"version": member.version})
        return render(request, "web/households/archive.html", {"household": household, "member": member, "form": form})

    def post(self, request, pk, member_pk):
        household, member = self.member(request, pk, member_pk)
        form = ArchiveForm(request.POST, reasons=Member.ArchiveReason.choices)
        if form.is_valid():
            try:
                with refusals_on(form):
                    services.member_archive(member=member, by=request.user, reason=form.cleaned_data["reason"],
                                            if_match=form.if_match())
                    messages.success(request, _("%(name)s archived.") % {"name": member.full_name})
                    return redirect("web:household", pk=pk)
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                return redirect("web:household", pk=pk)
        return render(request, "web/households/archive.html", {"household": household, "member": member, "form": form})


urlpatterns = [
    path("households/", HouseholdList.as_view(), name="households"),
    path("households/new/", HouseholdCreate.as_view(), name="household-new"),
    path("households/<uuid:pk>/", HouseholdDetail.as_view(), name="household"),
    path("households/<uuid:pk>/edit/", HouseholdEdit.as_view(), name="household-edit"),
    path("households/<uuid:pk>/archive/", HouseholdArchive.as_view(), name="household-archive"),
    path("households/<uuid:pk>/members/new/", MemberCreate.as_view(), name="household-member-new"),
    path("households/<uuid:pk>/members/<uuid:member_pk>/", MemberEdit.as_view(), name="household-member-edit"),
    path("households/<uuid:pk>/members/<uuid:member_pk>/archive/", MemberArchive.as_view(),
         name="household-member-archive"),
]

