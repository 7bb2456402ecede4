"""Filter pieces every app uses. django-filter's own BooleanFilter ignores a value it cannot
read (`?ethnic_minority=maybe` would silently list everything); these refuse it."""

import datetime

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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


NO_NUL = "^[^\\u0000]+$"


def text_filter(*, max_length: int, pattern: str = NO_NUL, **kwargs) -> django_filters.CharFilter:
    """A text filter whose limits the schema states, so clients (and schemathesis) know them."""
    return extend_schema_field(
        {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern}
    )(
        django_filters.CharFilter(
            max_length=max_length,
            validators=[RegexValidator(pattern, _("Invalid value: it must match %(pattern)s.") % {"pattern": pattern})],
            **kwargs,
        )
    )


BLANK = _("Leave this parameter out, or give it a value.")


class QuerySerializer(serializers.Serializer):
    """Query parameters read by a serializer rather than a FilterSet refuse a blank value the
    same way: `?on=` is refused, not read as "today"."""

    def to_internal_value(self, data):
        blank = {name: [BLANK] for name in self.fields if data.get(name) == ""}
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


class FilterSet(django_filters.FilterSet):
    """A parameter given with no value is refused rather than ignored: `?updated_since=` is
    more likely a client's bug than a wish for everything."""

    def is_valid(self):
        valid = super().is_valid()
        blank = [name for name in self.filters if name in self.data and self.data.get(name) == ""]
        for name in blank:
            self.form.add_error(name, BLANK)
        return valid and not blank


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 allows offsets up to ±24:00, PostgreSQL only to ±15:59: compare in UTC."""

    default_error_messages = {"out_of_range": _("This date and time is out of range.")}

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(datetime.timezone.utc)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")


class SinceFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


BIGINT_MAX = 2**63 - 1


def id_filter(**kwargs) -> django_filters.NumberFilter:
    """A row's integer id: a whole number the database can hold (not `1.5`, not `-7e+216`)."""
    return extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})(
        django_filters.NumberFilter(min_value=1, max_value=BIGINT_MAX, decimal_places=0, **kwargs)
    )
