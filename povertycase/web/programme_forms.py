"""The forms of the programme pages: shapes only, as the API's serializers are. Every rule
(eligibility, the budget, the moves of an enrolment) is the services'; `apply_errors` puts a
refusal next to the field it concerns."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from povertycase.web.forms import VersionedForm
from programmes.models import Delivery, Enrollment, Programme

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, input_formats=DATE_FORMATS, initial=timezone.localdate,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class EnrolForm(forms.Form):
    """Enrols the household (or, for training and employment, one of its members) in the
    programme it was recommended; one form per recommendation, told apart by its prefix (the
    button that sends it names the programme)."""

    enrolled_on = date_field(_("Enrolled on"))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["member"] = forms.ModelChoiceField(
                label=_("Member who enrols"), queryset=members, empty_label=None,
                help_text=_("Only members who fit the programme's age range are listed."))


class TransitionForm(VersionedForm):
    on = date_field(_("Date of the change"))
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False,
                             help_text=_("Required when the enrolment is dropped out."))

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"] = forms.ChoiceField(
            label=_("New status"), choices=[(s.value, s.label) for s in Enrollment.MOVES[current]])
        self.order_fields(["status", "on", "reason"])


class DeliveryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of support"), choices=Delivery.Kind.choices)
    description = forms.CharField(label=_("What was delivered"), max_length=500)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=15, decimal_places=3, min_value=0, required=False,
                                  help_text=_("Optional; with its unit."))
    unit = forms.CharField(label=_("Unit of measure"), max_length=32, required=False, help_text=_("kg, head, hours…"))
    value = forms.IntegerField(label=_("Value (VND)"), min_value=0, max_value=10**15,
                               help_text=_("Whole đồng, without dots or commas."))
    delivered_on = date_field(_("Delivered on"))
    funding_source = forms.ChoiceField(label=_("Funding source"), choices=Programme.FundingSource.choices)


class CancelDeliveryForm(VersionedForm):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=500)


class CaseNoteForm(forms.Form):
    visited_on = date_field(_("Visited on"))
    enrollment = forms.ModelChoiceField(label=_("About the enrolment"), queryset=Enrollment.objects.none(),
                                        required=False, empty_label=_("None: the household in general"))
    text = forms.CharField(label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("What you saw or agreed. A note is kept as written: to correct it, "
                                       "write another."))

    def __init__(self, *args, enrollments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].queryset = enrollments
        self.fields["enrollment"].label_from_instance = _enrollment_label


def _enrollment_label(enrollment: Enrollment) -> str:
    who = f" · {enrollment.member.full_name}" if enrollment.member_id else ""
    return f"{enrollment.programme.name}{who} ({enrollment.get_status_display()})"
