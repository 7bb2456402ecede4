from django.contrib import admin

from povertycase.admin_scope import ScopedReadOnlyAdmin
from programmes.models import Delivery, DisbursementPlanLine, Enrollment, FollowUp, Programme


@admin.register(Programme)
class ProgrammeAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "name", "kind", "area", "status", "starts_on", "ends_on", "budget"]
    list_filter = ["kind", "status", "funding_source", "plan_period"]
    search_fields = ["code", "name", "partner"]
    list_select_related = ["area"]
    ordering = ["code"]


@admin.register(DisbursementPlanLine)
class DisbursementPlanLineAdmin(ScopedReadOnlyAdmin):
    list_display = ["programme", "period", "funding_source", "amount"]
    list_filter = ["funding_source"]
    search_fields = ["programme__code", "period"]
    list_select_related = ["programme"]
    ordering = ["programme__code", "period", "funding_source"]


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedReadOnlyAdmin):
    list_display = ["programme", "household", "member", "status", "enrolled_on", "assigned_to"]
    list_filter = ["status"]
    search_fields = ["household__code", "programme__code"]
    list_select_related = ["programme", "household", "member", "assigned_to"]
    ordering = ["-created_at"]


@admin.register(Delivery)
class DeliveryAdmin(ScopedReadOnlyAdmin):
    list_display = ["enrollment", "kind", "funding_source", "description", "value", "delivered_on", "cancelled_at"]
    list_filter = ["kind", "funding_source"]
    search_fields = ["enrollment__household__code", "programme__code", "description"]
    list_select_related = ["enrollment__programme", "enrollment__household", "enrollment__member"]
    ordering = ["-delivered_on"]


@admin.register(FollowUp)
class FollowUpAdmin(ScopedReadOnlyAdmin):
    list_display = ["enrollment", "observed_on", "employment", "income_per_capita", "certificate"]
    list_filter = ["employment"]
    search_fields = ["enrollment__household__code"]
    list_select_related = ["enrollment__programme", "enrollment__household", "enrollment__member"]
    ordering = ["-observed_on"]
