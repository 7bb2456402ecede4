"""Serializer fields that resolve references inside the caller's area only: a row outside it
gets the same answer as a row that does not exist."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("No {model} with {slug_name} {value} in your area."),
        "invalid": _("Enter a valid code."),
    }

    def __init__(self, model, *, max_length=64, **kwargs):
        self.model = model
        self.max_length = max_length
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > self.max_length or "\x00" in data:
            self.fail("invalid")
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except self.model.DoesNotExist:
            self.fail("does_not_exist", model=self.model._meta.verbose_name, slug_name=self.slug_field, value=data)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": _("No such record in your area: {pk_value}.")}

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("pk_field", UUIDField())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)


class _Strict:
    """DRF coerces `0` to `"0"`, `"12"` to 12, `1` to a UUID and `"yes"` to true. Clients that
    send the wrong JSON type get told, not silently fixed."""

    accepts: tuple = (str,)

    def to_internal_value(self, data):
        if isinstance(data, bool) and bool not in self.accepts or not isinstance(data, self.accepts):
            raise serializers.ValidationError(
                _("Expected %(type)s.") % {"type": self.type_name}, code="invalid"
            )
        return super().to_internal_value(data)


class CharField(_Strict, serializers.CharField):
    type_name = _("a string")


class RegexField(_Strict, serializers.RegexField):
    type_name = _("a string")


class EmailField(_Strict, serializers.EmailField):
    type_name = _("a string")


class UUIDField(_Strict, serializers.UUIDField):
    type_name = _("a UUID string")


class IntegerField(_Strict, serializers.IntegerField):
    accepts = (int,)
    type_name = _("a whole number")


class DecimalField(_Strict, serializers.DecimalField):
    accepts = (int, float)
    type_name = _("a number")

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)


class BooleanField(_Strict, serializers.BooleanField):
    accepts = (bool,)
    type_name = _("true or false")


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.EmailField: EmailField,
        models.UUIDField: UUIDField,
        models.IntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.PositiveBigIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.BooleanField: BooleanField,
    }
