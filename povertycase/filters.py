"""Filter pieces every app uses. django-filter's own BooleanFilter ignores a value it cannot
read (`?ethnic_minority=maybe` would silently list everything); these refuse it."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

TRUE_VALUES = {"true", "1"}
FALSE_VALUES = {"false", "0"}


class StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        value = str(value).lower()
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField
