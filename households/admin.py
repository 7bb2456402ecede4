from django.contrib import admin

from households.models import Area, Household, Indicator, Member, PovertyStandard, Review
from povertycase.admin_scope import ScopedReadOnlyAdmin


@admin.register(Area)
class AreaAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "name", "level", "residence", "parent"]
    list_filter = ["level", "residence"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    ordering = ["code"]


class MemberInline(admin.TabularInline):
    model = Member
    fields = ["full_name", "sex", "date_of_birth", "relationship", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "area", "residence", "status", "updated_at"]
    list_filter = ["status", "residence", "ethnic_minority"]
    search_fields = ["code", "search_text"]
    list_select_related = ["area"]
    ordering = ["code"]
    show_full_result_count = False
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(ScopedReadOnlyAdmin):
    list_display = ["full_name", "household", "relationship", "sex", "date_of_birth", "status"]
    list_filter = ["status", "relationship", "sex"]
    search_fields = ["full_name", "household__code"]
    list_select_related = ["household"]
    ordering = ["household__code", "created_at"]
    show_full_result_count = False
    hidden_fields = ("national_id",)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ["code", "dimension", "name_vi", "name_en"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PovertyStandard)
class PovertyStandardAdmin(ScopedReadOnlyAdmin):
    list_display = ["code", "first_year", "last_year", "rural_line", "urban_line", "provisional"]
    ordering = ["first_year"]
    inlines = [IndicatorInline]


@admin.register(Review)
class ReviewAdmin(ScopedReadOnlyAdmin):
    list_display = ["household", "year", "kind", "poverty_class", "transition", "status", "reviewed_on"]
    list_filter = ["status", "year", "poverty_class", "transition", "kind"]
    search_fields = ["household__code", "decision_number"]
    list_select_related = ["household"]
    ordering = ["-year", "household__code"]
    show_full_result_count = False
