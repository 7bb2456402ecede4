"""Serializer fields that resolve references inside the caller's area only: a row outside it
gets the same answer as a row that does not exist."""

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
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)
