"""Rà soát: the poverty reviews of the caller's area. An officer records a household's review
and corrects a draft; a manager approves a commune's drafts for a year with the recognition
decision; officers import review and household files. The same services, scope and import
checks as the API: nothing here decides a rule."""

import os
import re
import secrets
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from households import services
from households.api.filters import ReviewFilter
from households.api.imports import HouseholdImportView, ImportResultSerializer, ReviewImportView
from households.imports import ImportRejected
from households.jobs import import_refusal
from households.models import Area, Household, Member, PovertyClass, PovertyStandard, Review
from povertycase.access import area_path
from povertycase.accounts.models import User
from povertycase.errors import Conflict, PreconditionFailed
from povertycase.formats import money
from povertycase.jobs.models import Job
from povertycase.web.access import RolePage, WritePage
from povertycase.web.forms import CONFLICT, apply_errors, filled, refusals_on, with_params
from povertycase.web.review_forms import (
    ApprovalForm,
    DraftForm,
    HouseholdCodeForm,
    ImportForm,
    NewReviewForm,
    QueueForm,
    ReviewForm,
)
from povertycase.web.views.households import visible_household

PAGE = 25
HEADS = Prefetch("household__members", to_attr="heads",
                 queryset=Member.objects.filter(relationship=Member.Relationship.HEAD, status=Member.Status.ACTIVE))


def this_year() -> int:
    return timezone.localdate().year


def _year(raw, default=None) -> int:
    return int(raw) if raw and str(raw).isdigit() and 2000 <= int(raw) <= 2100 else (default or this_year())


def standard_for(year: int) -> PovertyStandard | None:
    """The standard the service will judge a review of `year` by (`review_record` asks the same)."""
    return PovertyStandard.objects.for_year(year).prefetch_related("indicators").first()


def visible_review(request, pk) -> Review:
    try:
        return (Review.objects.visible_to(request.user)
                .select_related("household__area", "standard", "approved_by", "corrects").get(pk=pk))
    except (Review.DoesNotExist, ValidationError):
        raise Http404



# The index ---------------------------------------------------------------------------------


class ReviewList(RolePage, View):
    """The reviews of the caller's area, newest first, a page at a time by keyset."""

    def get(self, request):
        reviews = Review.objects.visible_to(request.user).select_related("household").order_by("-created_at", "-id")
        query = filled(request.GET)
        after = query.pop("after", [""])[0]
        filters = ReviewFilter(query, queryset=reviews, request=request)
        rows = filters.qs if filters.is_valid() else reviews.none()
        created, _sep, pk = after.rpartition("~")
        if after:
            try:
                created, pk = parse_datetime(created), uuid.UUID(pk)
            except ValueError:
                created = None
            if created is None:
                rows = rows.none()
            else:
                rows = rows.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
        page = list(rows.prefetch_related(HEADS)[:PAGE + 1])
        last = page[PAGE - 1] if len(page) > PAGE else None
        more = f"{last.created_at.isoformat()}~{last.pk}" if last else None
        return render(request, "web/reviews/list.html", {
            "reviews": page[:PAGE], "filters": filters, "searched": query,
            "classes": PovertyClass.choices, "statuses": Review.Status.choices,
            "next": f"?{with_params(query, after=more)}" if more else None})


# Recording and correcting ------------------------------------------------------------------


class ReviewNew(WritePage, View):
    """From the index: which household (by its code), for which year."""

    def get(self, request):
        form = HouseholdCodeForm(request.GET or None, initial={"year": this_year()})
        if form.is_valid():
            code = form.cleaned_data["household"].strip()
            household = Household.objects.visible_to(request.user).filter(code=code).first()
            if household is not None:
                url = reverse("web:review-record", args=[household.pk])
                return redirect(f"{url}?year={form.cleaned_data['year']}")
            form.add_error("household", _("No household with this code in your area."))
        return render(request, "web/reviews/new.html", {"form": form})


class ReviewRecord(WritePage, View):
    """A household's review: the indicators of the standard that judges the year, the income,
    the date and kind; the service classifies it and explains the class."""

    def get(self, request, pk):
        household = visible_household(request, pk)
        year = _year(request.GET.get("year"))
        today = timezone.localdate()
        form = NewReviewForm(standard=standard_for(year), initial={
            "year": year, "reviewed_on": today if today.year == year else None})
        return self.page(request, household, form)

    def post(self, request, pk):
        household = visible_household(request, pk)
        form = NewReviewForm(request.POST, standard=standard_for(_year(request.POST.get("year"))),
                             shown=request.POST.get("standard", ""))
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = services.review_record(by=request.user, household=household, year=data["year"],
                                                kind=data["kind"], **form.changes())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Review recorded as a draft: %(class)s.") % {
                    "class": review.get_poverty_class_display()})
                return redirect("web:review", pk=review.pk)
        return self.page(request, household, form)

    def page(self, request, household, form):
        standard = form.standard
        return render(request, "web/reviews/record.html", {
            "household": household, "form": form, "standard": standard,
            "line": money(standard.line_for(household.residence)) if standard else ""})


class ReviewDetail(RolePage, View):
    def get(self, request, pk):
        review = visible_review(request, pk)
        household = review.household
        heads = household.members.filter(relationship=Member.Relationship.HEAD, status=Member.Status.ACTIVE)
        return render(request, "web/reviews/detail.html", {
            "review": review, "household": household, "head": heads.first(),
            "income": money(review.income_per_capita),
            "deprived": [review.standard.indicator_name(code) for code in review.deprivations],
            "corrections": review.corrections.order_by("-created_at"),
        })


class ReviewEdit(WritePage, View):
    """A draft's corrections, refused if someone changed the draft since it was opened (If-Match)."""

    def get(self, request, pk):
        review = visible_review(request, pk)
        return self.page(request, review, DraftForm.of(review))

    def post(self, request, pk):
        review = visible_review(request, pk)
        form = DraftForm(request.POST, standard=review.standard)
        if form.is_valid():
            try:
                with refusals_on(form):
                    services.review_update(review=review, by=request.user, changes=form.changes(),
                                           if_match=form.if_match())
                    messages.success(request, _("Saved."))
                    return redirect("web:review", pk=pk)
            except PreconditionFailed:
                messages.error(request, CONFLICT)
                review = visible_review(request, pk)
                return self.page(request, review, DraftForm.of(review))
        return self.page(request, review, form)

    def page(self, request, review, form):
        return render(request, "web/reviews/edit.html", {"review": review, "household": review.household,
                                                         "form": form})


class ReviewCorrect(WritePage, View):
    """A correction of an approved review: a new draft naming it, which supersedes it once approved."""

    def form(self, review, data=None):
        return ReviewForm(data, standard=standard_for(review.year) or review.standard, initial={
            "reviewed_on": review.reviewed_on, "income_per_capita": review.income_per_capita,
            "deprivations": review.deprivations})

    def get(self, request, pk):
        review = visible_review(request, pk)
        return self.page(request, review, self.form(review))

    def post(self, request, pk):
        review = visible_review(request, pk)
        form = self.form(review, request.POST)
        if form.is_valid():
            try:
                correction = services.review_record(by=request.user, household=review.household, year=review.year,
                                                    kind=review.kind, corrects=review, **form.changes())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Correction recorded as a draft: %(class)s.") % {
                    "class": correction.get_poverty_class_display()})
                return redirect("web:review", pk=correction.pk)
        return self.page(request, review, form)

    def page(self, request, review, form):
        return render(request, "web/reviews/edit.html", {"review": review, "household": review.household,
                                                         "form": form, "correcting": True})


# The approval queue ------------------------------------------------------------------------


class ApprovalQueue(RolePage, View):
    """A commune's draft reviews for a year. Everyone of the area sees them; managers and
    admins approve the selected ones, or all, with the recognition decision."""

    writers = User.MANAGERS
    SELECTED = re.compile(r"^([0-9a-f-]{36}):(\d{1,9})$")

    def get(self, request):
        return self.page(request, self.queue(request), ApprovalForm())

    def post(self, request):
        queue = self.queue(request)
        if queue["commune"] is None:
            raise Http404
        form = ApprovalForm(request.POST)
        if form.is_valid():
            decision = {"decision_number": form.cleaned_data["decision_number"],
                        "decision_date": form.cleaned_data["decision_date"]}
            if request.POST.get("action") == "all":
                done = self.approve_all(request, form, queue, decision)
            else:
                done = self.approve_selected(request, form, decision)
            if done:
                return redirect(request.get_full_path())
        return self.page(request, queue, form)

    def approve_all(self, request, form, queue, decision) -> bool:
        try:
            count = services.reviews_approve_in_area(by=request.user, reviews=Review.objects.visible_to(request.user),
                                                     area=queue["commune"], year=queue["year"], **decision)
        except ValidationError as error:
            apply_errors(form, error)
            return False
        messages.success(request, ngettext(
            "%(count)d draft review of %(area)s for %(year)d approved with decision %(number)s.",
            "%(count)d draft reviews of %(area)s for %(year)d approved with decision %(number)s.", count) % {
            "count": count, "area": queue["commune"].name, "year": queue["year"],
            "number": decision["decision_number"]})
        return True

    def approve_selected(self, request, form, decision) -> bool:
        """One by one, each with the version the manager saw (If-Match): a review changed since
        is left as it is, and said so."""
        selected = [(uuid.UUID(m[1]), m[2]) for m in map(self.SELECTED.match, request.POST.getlist("review")) if m]
        if not selected:
            form.add_error(None, _("Select the drafts to approve, or approve them all."))
            return False
        reviews = Review.objects.visible_to(request.user).select_related("household").in_bulk([pk for pk, _v in selected])
        approved, problems = 0, []
        for pk, version in selected:
            review = reviews.get(pk)
            if review is None:
                continue
            try:
                services.review_approve(review=review, by=request.user, if_match=f'"{version}"', **decision)
            except PreconditionFailed:
                problems.append(_("%(code)s: someone changed this review since you opened the list; it was not "
                                  "approved. Look at it again.") % {"code": review.household.code})
            except Conflict as conflict:
                problems.append(f"{review.household.code}: {conflict.message}")
            except ValidationError as error:
                apply_errors(form, error)  # the decision's: the same for every review
                return False
            else:
                approved += 1
        if approved:
            messages.success(request, ngettext(
                "%(count)d review approved with decision %(number)s.",
                "%(count)d reviews approved with decision %(number)s.", approved) % {
                "count": approved, "number": decision["decision_number"]})
        for problem in problems:
            messages.error(request, problem)
        return True

    def queue(self, request) -> dict:
        """The commune and year asked for (by default the caller's own commune and this year),
        and the communes to choose from: a province's, for a user of the whole country."""
        user = request.user
        visible = Area.objects.visible_to(user)
        communes = visible.filter(level=Area.Level.COMMUNE).order_by("name")
        own = user.area if user.area_id and user.area.level in Area.HOUSEHOLD_LEVELS else None
        if own is not None and own.level == Area.Level.VILLAGE:
            communes = visible.filter(pk=own.pk)  # a village's officer: the village's own list
        params = {"year": request.GET.get("year") or str(this_year()),
                  "commune": request.GET.get("commune") or (own.code if own else ""),
                  "province": request.GET.get("province", "")}
        provinces = None
        if area_path(user) == "":  # the whole country: the province first, then its communes
            provinces = visible.filter(level=Area.Level.PROVINCE).order_by("name")
            if not params["province"] and params["commune"]:
                chosen = visible.filter(code=params["commune"]).first()
                params["province"] = chosen.path.split("/")[0] if chosen else ""
            communes = (communes.filter(path__startswith=f"{params['province']}/") if params["province"]
                        else communes.none())
            if params["commune"] and not communes.filter(code=params["commune"]).exists():
                params["commune"] = ""  # another province was chosen: its communes are listed now
        submitted = bool(params["commune"])
        form = QueueForm(params if submitted else None, initial=params, provinces=provinces, communes=communes)
        commune = year = None
        if submitted and form.is_valid():
            commune, year = form.cleaned_data["commune"], form.cleaned_data["year"]
        return {"form": form, "commune": commune, "year": year}

    def page(self, request, queue, approval):
        context = {**queue, "approval": approval}
        commune, year = queue["commune"], queue["year"]
        if commune is not None:
            drafts = Review.objects.visible_to(request.user).filter(
                status=Review.Status.DRAFT, year=year, household__area__path__startswith=commune.path)
            by_class = dict(drafts.order_by().values_list("poverty_class").annotate(n=Count("id")))
            rows = drafts.select_related("household__area").order_by("household__code", "id")
            after = request.GET.get("after", "")
            code, _sep, pk = after.rpartition("~")
            if after:
                try:
                    rows = rows.filter(Q(household__code__gt=code) | Q(household__code=code, id__gt=uuid.UUID(pk)))
                except ValueError:
                    rows = rows.none()
            page = list(rows.prefetch_related(HEADS)[:PAGE + 1])
            last = page[PAGE - 1] if len(page) > PAGE else None
            context.update({
                "drafts": page[:PAGE], "total": sum(by_class.values()),
                "by_class": [(value, label, by_class[value]) for value, label in PovertyClass.choices
                             if value in by_class],
                "next": f"?{with_params(request.GET, after=f'{last.household.code}~{last.pk}')}" if last else None,
                "first": f"?{with_params(request.GET, after='')}" if after else None,
            })
        return render(request, "web/reviews/approvals.html", context)


# Imports -----------------------------------------------------------------------------------

IMPORT_VIEWS = {ImportForm.HOUSEHOLDS: HouseholdImportView, ImportForm.REVIEWS: ReviewImportView}
STASH = "review_import"
STASH_HOURS = 12


def _import(kind: str, upload, user, *, dry_run: bool) -> tuple[int, dict]:
    """As the API answers: 200 with the result, 400 with the errors, or 202 with the job that
    checks or imports a long file in the background."""
    try:
        outcome = IMPORT_VIEWS[kind].run({"file": upload, "dry_run": dry_run}, by=user)
    except ImportRejected as rejected:
        return 400, import_refusal(rejected)
    if isinstance(outcome, Job):
        return 202, {"id": outcome.pk}
    return 200, ImportResultSerializer(outcome).data


def _stash_dir() -> Path:
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()) / "povertycase-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _stash(request, kind: str, upload) -> str:
    """Keeps a checked file until it is confirmed (the browser would have to send it again),
    named by a random token that only the uploader's session knows."""
    _drop_stash(request)
    folder = _stash_dir()
    stale = time.time() - STASH_HOURS * 3600
    for entry in os.scandir(folder):
        if entry.stat().st_mtime < stale:
            Path(entry.path).unlink(missing_ok=True)
    token = secrets.token_urlsafe(18)
    with open(folder / token, "wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    request.session[STASH] = {"token": token, "kind": kind, "name": upload.name}
    return token


def _drop_stash(request) -> None:
    stash = request.session.pop(STASH, None)
    if stash:
        (_stash_dir() / stash["token"]).unlink(missing_ok=True)


def _counts(result: dict) -> list:
    labels = {"households": _("Households"), "members": _("Members"), "reviews": _("Reviews")}
    return [(label, result["created"].get(key, 0), result["updated"].get(key, 0))
            for key, label in labels.items() if key in result["created"] or key in result["updated"]]


def _refused(form, body: dict) -> dict:
    """A refused file: errors of the upload itself (row 0) next to the file field, the rows' in
    the table."""
    rows = []
    for error in body["errors"]:
        if error["row"] == 0:
            form.add_error("file" if error["column"] == "file" else None, error["message"])
        else:
            rows.append(error)
    return {"row_errors": rows, "error_count": body["error_count"], "stopped_early": body["stopped_early"]}


class ImportPage(WritePage, View):
    """Upload a file: every row is checked and nothing written; if it is clean, confirm to import."""

    def get(self, request):
        return self.page(request, ImportForm())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form)
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        status, body = _import(kind, upload, request.user, dry_run=True)
        if status == 400:
            _drop_stash(request)
            return self.page(request, form, **_refused(form, body))
        token = _stash(request, kind, upload)
        if status == 202:
            return redirect("web:review-import-job", pk=body["id"])
        return self.page(request, form, result=body, checking=True, counts=_counts(body), token=token,
                         name=upload.name)

    def page(self, request, form, **context):
        return render(request, "web/reviews/import.html", {"form": form, "year": this_year(), **context})


class ImportConfirm(WritePage, View):
    def get(self, request):
        return redirect("web:review-import")

    def post(self, request):
        stash = request.session.get(STASH)
        stored = _stash_dir() / stash["token"] if stash else None
        if not stash or request.POST.get("token") != stash["token"] or not stored.is_file():
            messages.error(request, _("That check is out of date: choose the file and check it again."))
            return redirect("web:review-import")
        try:
            with open(stored, "rb") as data:
                status, body = _import(stash["kind"], File(data, name=stash["name"]), request.user, dry_run=False)
        finally:
            _drop_stash(request)
        if status == 202:
            return redirect("web:review-import-job", pk=body["id"])
        form = ImportForm(initial={"kind": stash["kind"]})
        if status == 400:  # the register changed between the check and the import
            return render(request, "web/reviews/import.html", {"form": form, "year": this_year(),
                                                               **_refused(form, body)})
        return render(request, "web/reviews/import.html", {"form": form, "year": this_year(), "result": body,
                                                           "counts": _counts(body), "name": stash["name"]})


class ImportJob(WritePage, View):
    """A long file checked or imported in the background: its progress while it runs (the page
    reloads itself), then the same answer as a short file's, with the confirmation after a
    clean check."""

    IMPORTS = (Job.Kind.HOUSEHOLD_IMPORT, Job.Kind.REVIEW_IMPORT)

    def get(self, request, pk):
        try:
            job = Job.objects.visible_to(request.user).get(pk=pk, kind__in=self.IMPORTS)
        except (Job.DoesNotExist, ValidationError):
            raise Http404
        kind = ImportForm.HOUSEHOLDS if job.kind == Job.Kind.HOUSEHOLD_IMPORT else ImportForm.REVIEWS
        form = ImportForm(initial={"kind": kind})
        context = {"form": form, "year": this_year(), "job": job, "name": job.upload_name}
        if job.state == Job.State.FAILED:
            context.update(_refused(form, job.errors) if "errors" in (job.errors or {}) else {})
            if "errors" not in (job.errors or {}):
                form.add_error(None, (job.errors or {}).get("detail", _("The job failed: nothing was written.")))
        elif job.state == Job.State.SUCCEEDED:
            checking = job.result["dry_run"]
            stash = request.session.get(STASH)
            context.update(result=job.result, checking=checking, counts=_counts(job.result),
                           token=stash["token"] if checking and stash else None)
        return render(request, "web/reviews/import.html", context)


urlpatterns = [
    path("reviews/", ReviewList.as_view(), name="reviews"),
    path("reviews/new/", ReviewNew.as_view(), name="review-new"),
    path("reviews/new/<uuid:pk>/", ReviewRecord.as_view(), name="review-record"),
    path("reviews/approvals/", ApprovalQueue.as_view(), name="review-approvals"),
    path("reviews/import/", ImportPage.as_view(), name="review-import"),
    path("reviews/import/confirm/", ImportConfirm.as_view(), name="review-import-confirm"),
    path("reviews/import/jobs/<uuid:pk>/", ImportJob.as_view(), name="review-import-job"),
    path("reviews/<uuid:pk>/", ReviewDetail.as_view(), name="review"),
    path("reviews/<uuid:pk>/edit/", ReviewEdit.as_view(), name="review-edit"),
    path("reviews/<uuid:pk>/correct/", ReviewCorrect.as_view(), name="review-correct"),
]
