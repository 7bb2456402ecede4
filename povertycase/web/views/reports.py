"""Báo cáo: the poverty figures of a unit of the caller's area over the years, the year's
transitions, whether escapes lasted, the programmes ranked by outcome, and the downloads
(official forms and workbooks) the API serves. The figures are the API's: the same report
functions, read from the kept tallies."""

from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from households.models import UNCLASSIFIED, Area, PovertyClass, Transition
from households.reports import poverty_report, sustainability_report
from households.tallies import years_kept
from povertycase.access import ancestor_paths, area_path
from povertycase.formats import money
from povertycase.routers import report_reads
from povertycase.web.access import RolePage
from povertycase.web.charts import Series, bar_chart, line_chart
from programmes.reports import programmes_summary

POOR_COLOUR, NEAR_POOR_COLOUR, GOOD_COLOUR = "#a4161a", "#8a5300", "#1e6b34"
ESCAPED = (Transition.ESCAPED_TO_NEAR_POOR, Transition.ESCAPED_ABOVE_NEAR_POOR)


class ReportQuery(forms.Form):
    area = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Area.objects.none(), to_field_name="code",
                                  required=False)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    exit_year = forms.TypedChoiceField(label=gettext_lazy("Escapes of the year"), coerce=int, required=False)

    def __init__(self, *args, user, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user)
        choices = [(year, str(year)) for year in years]
        self.fields["year"].choices = self.fields["exit_year"].choices = choices

    def value(self, name, default):
        """The valid value given for `name`, else `default` (an invalid one keeps its error)."""
        if not self.is_bound:
            return default
        self.is_valid()  # an invalid field is left out of cleaned_data, its error shown
        return self.cleaned_data.get(name) or default


def unit_choices(user, area: Area | None) -> list[tuple[str, str]]:
    """The units to choose from, as a tree: the caller's area, the chosen unit and the units
    between them, and the units directly below each of those; not every village of a
    province, which would make the page heavy."""
    scope = area_path(user) or ""
    chain = [p for p in ancestor_paths(area.path if area else "") if p.startswith(scope)]
    units = Q(path__in=chain) | Q(parent__path__in=chain)
    if not scope:
        units |= Q(parent__isnull=True)
    found = Area.objects.visible_to(user).filter(units).order_by("path").values_list("code", "name", "path")
    top = scope.count("/")
    choices = [("", _("Whole country"))] if not scope else []
    for code, name, unit_path in found:
        choices.append((code, "— " * (unit_path.count("/") - top) + name))
    return choices


def rate(value) -> str:
    """A percentage as people read it, with 2 decimals: `42.86%`, `42,86%` in Vietnamese."""
    return "—" if value is None else f"{number_format(value, 2, use_l10n=True)}%"


def count(value: int) -> str:
    """A count with its thousands grouped: `1,250`, `1.250` in Vietnamese."""
    return number_format(value, 0, use_l10n=True, force_grouping=True)


def ranked(programmes: list[dict]) -> list[dict]:
    """Best outcome first: the highest exit rate, then the lowest cost per exit; programmes
    with no figure yet last. Each row gains its figures as people read them (`*_text`)."""
    def key(p):
        return (p["exit_rate"] is None, -(p["exit_rate"] or 0), p["cost_per_exit"] is None, p["cost_per_exit"] or 0,
                p["code"])

    rows = sorted(programmes, key=key)
    for row in rows:
        difference, cost = row["exit_rate_difference"], row["cost_per_exit"]
        row.update(
            enrolled_text=count(row["enrolled"]), escaped_text=count(row["escaped"]),
            relapsed_text=count(row["relapsed"]), exit_rate_text=rate(row["exit_rate"]),
            comparison_text=rate(row["comparison_exit_rate"]),
            difference_text="—" if difference is None else number_format(difference, 2, use_l10n=True),
            spent_text=money(row["spent"]), cost_per_exit_text="—" if cost is None else money(cost))
    return rows


def downloads(area: Area | None, year: int, exit_year: int) -> tuple[list, list]:
    """(the official forms, the reports as workbooks): (label, URL) for the API's downloads."""
    unit = {"area": area.code} if area else {}

    def link(name, **query):
        return f"{reverse(name)}?{urlencode({**unit, **query})}"

    forms_ = []
    if area is not None and area.level != Area.Level.PROVINCE:  # the list names households: a commune's paper
        forms_.append((_("List of poor and near-poor households"), link("report-form-poor-households", year=year)))
    forms_ += [
        (_("Result of the review"), link("report-form-review-result", year=year)),
        (_("Poor and near-poor households by deprivation"), link("report-form-deprivations", year=year)),
        (_("Poor and near-poor households by cause and policy group"), link("report-form-causes", year=year)),
    ]
    books = [
        (_("Poverty report %(year)d, with the units below") % {"year": year},
         link("report-poverty-xlsx", year=year, group_by="child")),
        (_("Sustainability of the escapes of %(year)d") % {"year": exit_year},
         link("report-sustainability-xlsx", exit_year=exit_year)),
        (_("Programmes and their outcomes"), link("report-programmes-xlsx")),
    ]
    return forms_, books


def rates_figures(reports: dict) -> dict:
    """The poverty and near-poverty rates of each year: a line chart and its table."""
    years = [str(year) for year in reports]
    rows = [(year, count(r["households"]), count(r["classes"][PovertyClass.POOR]),
             count(r["classes"][PovertyClass.NEAR_POOR]), rate(r["poverty_rate"]), rate(r["near_poverty_rate"]))
            for year, r in reports.items()]
    chart = line_chart(
        title=_("Poverty and near-poverty rates, %(first)s–%(last)s") % {"first": years[0], "last": years[-1]},
        ident="rates-chart", labels=years, suffix="%", series=[
            Series(_("Poverty rate"), [r["poverty_rate"] for r in reports.values()], POOR_COLOUR),
            Series(_("Near-poverty rate"), [r["near_poverty_rate"] for r in reports.values()], NEAR_POOR_COLOUR,
                   dashed=True, marker="square")])
    return {"rates": rows, "rates_chart": chart}


def moves_figures(reports: dict) -> dict:
    """Each year's escapes from poverty, new poor and relapses: a bar chart and its table."""
    moves = {year: (sum(r["transitions"][t] for t in ESCAPED), r["transitions"][Transition.NEWLY_POOR],
                    r["transitions"][Transition.RELAPSED_POOR]) for year, r in reports.items()}
    chart = bar_chart(
        title=_("Households that escaped poverty, became poor or fell back into poverty, by year"),
        ident="moves-chart", labels=[str(year) for year in moves], series=[
            Series(_("Escaped poverty"), [m[0] for m in moves.values()], GOOD_COLOUR),
            Series(_("Newly poor"), [m[1] for m in moves.values()], NEAR_POOR_COLOUR),
            Series(_("Relapsed into poverty"), [m[2] for m in moves.values()], POOR_COLOUR)])
    return {"moves": [(year, *map(count, m)) for year, m in moves.items()], "moves_chart": chart}


def year_figures(report: dict) -> dict:
    """The chosen year: households by class at its start and end, and its transitions."""
    classes = [*PovertyClass.choices, (UNCLASSIFIED, _("no approved review yet"))]
    return {
        "classes": [(label, count(report["start_of_year"][code]), count(report["classes"][code]))
                    for code, label in classes],
        "totals": (count(sum(report["start_of_year"].values())), count(report["households"])),
        "transitions": [(label, count(report["transitions"][code])) for code, label in Transition.choices],
    }


def lasting_figures(area: Area | None, exit_year: int) -> dict:
    """Of the households that escaped poverty in `exit_year`, those still out 1, 2 … years on."""
    report = sustainability_report(area=area, exit_year=exit_year)
    return {"escaped": report["escaped"], "steps": [
        (step["years_after"], count(step["observed"]), count(step["still_out"]), rate(step["share"]))
        for step in report["steps"]]}


class Index(RolePage, View):
    def get(self, request):
        with report_reads():
            return self.page(request)

    def page(self, request):
        user = request.user
        reported = list(years_kept())[1:]
        query = ReportQuery(request.GET or None, user=user, years=reported)
        area = query.value("area", user.area)
        reports = {year: poverty_report(area=area, year=year) for year in reported}
        reviewed = [year for year, report in reports.items() if sum(report["transitions"].values())]
        year = query.value("year", reviewed[-1] if reviewed else reported[-1])
        exit_year = query.value("exit_year", max(year - 1, reported[0]))
        official, workbooks = downloads(area, year, exit_year)
        return render(request, "web/reports/index.html", {
            "query": query, "units": unit_choices(user, area), "area": area, "years": reported, "year": year,
            "exit_year": exit_year, **rates_figures(reports), **moves_figures(reports),
            **year_figures(reports[year]), **lasting_figures(area, exit_year),
            "programmes": ranked(programmes_summary(area=area, user=user)),
            "official_forms": official, "workbooks": workbooks,
        })


urlpatterns = [path("reports/", Index.as_view(), name="reports")]
