"""Việc cần làm: the follow-ups due this week or overdue, soonest first, for the caller's
enrolments (a manager may look at the whole area), each with what a visit needs: who, where,
which programme; and the follow-up recorded from there through the service, which meets the
due. The same read as the API's `follow-ups/due/`."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from households.models import Member, PovertyClass
from povertycase.formats import money
from povertycase.web.access import WritePage, can_manage
from povertycase.web.forms import apply_errors
from programmes.models import FollowUp, FollowUpDue, Programme
from programmes.services import follow_up_record

PAGE = 25
# As the API's due/ by default: this week's visits and every overdue one.
AHEAD = timedelta(days=7)


def open_dues(user):
    heads = Member.objects.filter(relationship=Member.Relationship.HEAD, status=Member.Status.ACTIVE)
    return FollowUpDue.objects.visible_to(user).open().select_related(
        "enrollment__programme", "enrollment__household__area__parent", "enrollment__member",
        "enrollment__assigned_to").prefetch_related(Prefetch("enrollment__household__members", queryset=heads,
                                                             to_attr="heads"))


def _after(value: str) -> tuple[date, int] | None:
    """The keyset of the last row of the previous page, `2026-11-30.42`; None if malformed."""
    day, _dot, pk = value.partition(".")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _shown(due: FollowUpDue, today: date) -> FollowUpDue:
    heads = due.enrollment.household.heads
    due.head = heads[0].full_name if heads else ""
    due.overdue = due.due_on < today
    return due


class Index(WritePage, View):
    def get(self, request):
        today = timezone.localdate()
        whole_area = can_manage(request.user) and request.GET.get("scope") == "area"
        dues = open_dues(request.user).filter(due_on__lte=today + AHEAD)
        if not whole_area:
            dues = dues.filter(enrollment__assigned_to=request.user)
        if after := _after(request.GET.get("after", "")):
            dues = dues.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], pk__gt=after[1]))
        page = list(dues.order_by("due_on", "pk")[:PAGE + 1])
        scope = "scope=area&" if whole_area else ""
        last = page[PAGE - 1] if len(page) > PAGE else None
        return render(request, "web/todo/list.html", {
            "dues": [_shown(due, today) for due in page[:PAGE]], "whole_area": whole_area, "until": today + AHEAD,
            "scope": "?scope=area" if whole_area else "",
            "next": f"?{scope}after={last.due_on.isoformat()}.{last.pk}" if last else None,
        })


class FollowUpForm(forms.Form):
    """The shapes of the API's follow-up; the service decides the rest."""

    observed_on = forms.DateField(label=gettext_lazy("Observed on"), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    income_per_capita = forms.IntegerField(
        label=gettext_lazy("Income per person per month (VND)"), min_value=0, max_value=10**12, required=False,
        help_text=gettext_lazy("Household income per person per month, whole VND."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    employment = forms.ChoiceField(label=gettext_lazy("Employment"), required=False,
                                   choices=[("", "—"), *FollowUp.Employment.choices],
                                   help_text=gettext_lazy("Of the enrolled member (or the household's main earner)."))
    monthly_earnings = forms.IntegerField(
        label=gettext_lazy("Monthly earnings (VND)"), min_value=0, max_value=10**12, required=False,
        help_text=gettext_lazy("Whole VND; with wage employment or self-employment only."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    certificate = forms.NullBooleanField(
        label=gettext_lazy("Training certificate obtained"), required=False,
        help_text=gettext_lazy("Training passed and certified; training and employment programmes only."))
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, certificate: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not certificate:
            del self.fields["certificate"]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-help"


class Record(WritePage, View):
    def due(self, request, pk) -> FollowUpDue | None:
        try:
            return _shown(open_dues(request.user).get(pk=pk), timezone.localdate())
        except FollowUpDue.DoesNotExist:
            if FollowUpDue.objects.visible_to(request.user).filter(pk=pk).exists():
                return None  # met in the meantime
            raise Http404

    def back(self, request) -> str:
        return reverse("web:todo") + ("?scope=area" if request.GET.get("scope") == "area" else "")

    def form(self, due, data=None):
        return FollowUpForm(data, certificate=due.enrollment.programme.kind in Programme.PERSON_KINDS,
                            initial={"observed_on": timezone.localdate()})

    def page(self, request, due, form):
        return render(request, "web/todo/record.html", {
            "due": due, "form": form, "back": self.back(request),
            "baseline_income": money(due.enrollment.baseline_income),
            "baseline_class": PovertyClass(due.enrollment.baseline_class).label})

    def get(self, request, pk):
        due = self.due(request, pk)
        if due is None:
            messages.info(request, _("This follow-up has already been recorded."))
            return redirect(self.back(request))
        return self.page(request, due, self.form(due))

    def post(self, request, pk):
        due = self.due(request, pk)
        if due is None:
            messages.info(request, _("This follow-up has already been recorded."))
            return redirect(self.back(request))
        form = self.form(due, request.POST)
        if form.is_valid():
            try:
                follow_up_record(by=request.user, enrollment=due.enrollment, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                code = due.enrollment.household.code
                if FollowUpDue.objects.filter(pk=due.pk, met_by__isnull=False).exists():
                    messages.success(request, _("Follow-up recorded for household %(code)s.") % {"code": code})
                else:  # observed too long before the due date to meet it
                    messages.warning(request, _(
                        "Follow-up recorded for household %(code)s, but it was observed more than %(days)d days "
                        "before the due date (%(date)s), so the visit is still due."
                    ) % {"code": code, "days": FollowUpDue.GRACE.days, "date": due.due_on.strftime("%d/%m/%Y")})
                return redirect(self.back(request))
        return self.page(request, due, form)


urlpatterns = [
    path("todo/", Index.as_view(), name="todo"),
    path("todo/<int:pk>/", Record.as_view(), name="todo-record"),
]
