from django.contrib import admin

from monitoring.models import MonthAdjustment, MonthClose


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnly):
    list_display = ["firm", "month", "activated", "billable", "active_at_end", "closed_at"]
    list_filter = ["month"]
    search_fields = ["firm__name", "firm__slug"]


@admin.register(MonthAdjustment)
class MonthAdjustmentAdmin(ReadOnly):
    list_display = ["close", "created_at", "delta_activated", "delta_billable", "reason"]
