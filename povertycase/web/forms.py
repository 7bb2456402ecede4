"""The browser's forms: shapes only, as the API's serializers are. Every rule is the services';
`apply_errors` puts a service's refusal next to the field it concerns."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from households.models import Household, Member, PovertyCause, SupportNeed
from households.validators import national_id_validator
from povertycase.errors import Conflict

CONFLICT = _("Someone changed this record since you opened it. Their change is shown below: look at it, "
             "then make yours again.")


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def apply_errors(form: forms.Form, error: ValidationError, prefix: str = "") -> None:
    """A service's field errors (`national_id`, `members.0.national_id`) on the form's fields;
    the rest above the form."""
    for key, messages in error.message_dict.items():
        field = key.removeprefix(prefix)
        form.add_error(field if field in form.fields else None, messages)


class refusals_on:
    """Around a service call: its rules' refusals (a 409's message, a 400's field errors) land
    on the form and the block is left; anything else, a stale version included, goes on up."""

    def __init__(self, form: forms.Form, prefix: str = ""):
        self.form, self.prefix = form, prefix

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, Conflict):
            self.form.add_error(None, error.message)
            return True
        if isinstance(error, ValidationError):
            apply_errors(self.form, error, self.prefix)
            return True
        return False


def filled(query):
    """The query string without the form's empty fields: an empty field is no filter."""
    query = query.copy()
    for name in [n for n, v in query.items() if v == ""]:
        del query[name]
    return query


def with_params(query, **changes) -> str:
    """The query string with these parameters set (the next page's `after`, say)."""
    query = query.copy()
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()


class VersionedForm(forms.Form):
    """The record's version as the user read it: a write sends it as If-Match, so a change
    made in between is refused instead of overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def if_match(self) -> str:
        return f'"{self.cleaned_data["version"]}"'


class HouseholdForm(VersionedForm):
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    ethnic_minority = forms.BooleanField(label=_("Ethnic minority"), required=False)
    merit_family = forms.BooleanField(label=_("Merit family"), required=False)
    no_working_capacity = forms.BooleanField(label=_("No working capacity"), required=False)
    poverty_causes = forms.MultipleChoiceField(label=_("Causes of poverty"), choices=PovertyCause.choices,
                                               required=False, widget=forms.CheckboxSelectMultiple)
    support_needs = forms.MultipleChoiceField(label=_("Support needs"), choices=SupportNeed.choices,
                                              required=False, widget=forms.CheckboxSelectMultiple)

    @classmethod
    def of(cls, household: Household, data=None):
        initial = {field: getattr(household, field) for field in cls.base_fields if field != "version"}
        return cls(data, initial={**initial, "version": household.version})


class NewHouseholdForm(HouseholdForm):
    area = forms.ModelChoiceField(label=_("Village or commune"), queryset=None, to_field_name="code")
    version = None

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.order_fields(["area"])


class MemberForm(VersionedForm):
    full_name = forms.CharField(label=_("Full name"), max_length=128)
    sex = forms.ChoiceField(label=_("Sex"), choices=Member.Sex.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    national_id = forms.CharField(label=_("National ID (CCCD)"), required=False, min_length=12, max_length=12,
                                  validators=[national_id_validator], help_text=_("12 digits; leave empty if unknown."))
    relationship = forms.ChoiceField(label=_("Relationship to the head"), choices=Member.Relationship.choices)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=64, required=False)
    has_health_insurance = forms.BooleanField(label=_("Has health insurance"), required=False)
    disability = forms.BooleanField(label=_("Has a disability"), required=False)
    education_level = forms.ChoiceField(label=_("Education level"), required=False,
                                        choices=[("", "—"), *Member.EducationLevel.choices])
    employment = forms.ChoiceField(label=_("Employment"), required=False, choices=[("", "—"), *Member.Employment.choices])

    def clean_national_id(self):
        return self.cleaned_data["national_id"] or None

    @classmethod
    def of(cls, member: Member, data=None):
        initial = {field: getattr(member, field) for field in cls.base_fields if field != "version"}
        return cls(data, initial={**initial, "national_id": member.national_id or "", "version": member.version})


class NewMemberForm(MemberForm):
    version = None


class ArchiveForm(VersionedForm):
    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.ChoiceField(label=_("Reason"), choices=reasons, widget=forms.RadioSelect)
