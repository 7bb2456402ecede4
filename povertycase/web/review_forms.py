"""The forms of the review pages: shapes only. The standard, the class and every rule of the
review are the services' (`review_record`, `review_update`, `review_approve`)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from households.models import Area, PovertyStandard, Review
from povertycase.web.forms import VersionedForm

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
# Whole đồng, as people write them: 1500000, 1.500.000 or 1,500,000.
MONEY = re.compile(r"^\d+$|^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$")


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, input_formats=DATE_FORMATS, help_text=_("dd/mm/yyyy"),
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class MoneyField(forms.Field):
    """Whole đồng; thousands may be grouped with dots, commas or spaces."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 20}), **kwargs)

    def to_python(self, value):
        value = str(value).strip() if value is not None else ""
        if not value:
            return None
        if not MONEY.match(value):
            raise ValidationError(_("Enter a whole number of đồng, such as 1500000."), code="invalid")
        amount = int(re.sub(r"\D", "", value))
        if amount > 10**12:
            raise ValidationError(_("Enter an amount of at most 1,000,000,000,000 đồng."), code="max_value")
        return amount


class ReviewForm(forms.Form):
    """What an officer records of a household's review; the indicators are those of `standard`."""

    reviewed_on = date_field(_("Review date"))
    income_per_capita = MoneyField(label=_("Income per person per month (đồng)"))
    deprivations = forms.MultipleChoiceField(
        label=_("Deprived on"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each indicator on which the household is deprived."))

    def __init__(self, *args, standard: PovertyStandard | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.standard = standard
        self.fields["deprivations"].choices = [(i.code, standard.indicator_name(i.code))
                                               for i in standard.indicators.all()] if standard else []

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in ("reviewed_on", "income_per_capita", "deprivations")}


class NewReviewForm(ReviewForm):
    year = forms.IntegerField(label=_("Review year"), min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    kind = forms.ChoiceField(label=_("Kind of review"), choices=Review.Kind.choices, widget=forms.RadioSelect,
                             initial=Review.Kind.PERIODIC)

    field_order = ["year", "kind", "reviewed_on", "income_per_capita", "deprivations"]

    def __init__(self, *args, standard: PovertyStandard | None, shown: str | None = None, **kwargs):
        """`shown`: the code of the standard whose indicators the submitted form showed."""
        super().__init__(*args, standard=standard, **kwargs)
        self.shown = shown

    def clean(self):
        data = super().clean()
        code = self.standard.code if self.standard else ""
        if "year" in data and self.shown is not None and self.shown != code and self.standard:
            # Another year may be judged by another standard, with other indicators.
            self.add_error("year", _(
                "The reviews of %(year)d are judged by %(standard)s: its indicators are shown now. "
                "Tick them again, then save.") % {"year": data["year"], "standard": code})
        return data


class DraftForm(VersionedForm, ReviewForm):
    """A draft's corrections, sent with the version the officer read (If-Match)."""

    @classmethod
    def of(cls, review: Review, data=None):
        return cls(data, standard=review.standard, initial={
            "reviewed_on": review.reviewed_on, "income_per_capita": review.income_per_capita,
            "deprivations": review.deprivations, "version": review.version})


class HouseholdCodeForm(forms.Form):
    household = forms.CharField(label=_("Household code"), max_length=32,
                                help_text=_("As on the household's page, such as 20641-000012."))
    year = forms.IntegerField(label=_("Review year"), min_value=2000, max_value=2100)


class QueueForm(forms.Form):
    """Which commune's drafts, for which year (a GET form)."""

    province = forms.ModelChoiceField(label=_("Province"), queryset=Area.objects.none(), to_field_name="code",
                                      required=False, empty_label=_("Choose…"))
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=Area.objects.none(), to_field_name="code",
                                     empty_label=_("Choose…"))
    year = forms.IntegerField(label=_("Review year"), min_value=2000, max_value=2100)

    def __init__(self, *args, provinces=None, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is None:
            del self.fields["province"]
        else:
            self.fields["province"].queryset = provinces
        self.fields["commune"].queryset = communes


class ApprovalForm(forms.Form):
    decision_number = forms.CharField(label=_("Recognition decision number"), max_length=64,
                                      help_text=_("The commune chair's decision, such as 125/QĐ-UBND."))
    decision_date = date_field(_("Decision date"))


class ImportForm(forms.Form):
    HOUSEHOLDS, REVIEWS = "households", "reviews"

    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.RadioSelect, initial=REVIEWS, choices=[
        (REVIEWS, _("Reviews: one review a row")), (HOUSEHOLDS, _("Households: one member a row"))])
    file = forms.FileField(label=_("File (CSV or XLSX)"), widget=forms.FileInput(
        attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))
