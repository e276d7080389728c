from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditEntry, Dossier, DossierMembership, Firm, FirmMembership, Invitation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "firm_name", "language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "language"]
    search_fields = ["email", "full_name", "firm_membership__firm__name"]
    list_select_related = ["firm_membership__firm"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "phone", "language"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    @admin.display(description="firm", ordering="firm_membership__firm__name")
    def firm_name(self, obj):
        membership = getattr(obj, "firm_membership", None)
        return membership.firm.name if membership else "—"


class FirmMembershipInline(admin.TabularInline):
    model = FirmMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "enterprise_number", "city", "created_at"]
    search_fields = ["name", "slug", "enterprise_number", "vat_number"]
    inlines = [FirmMembershipInline]


class DossierMembershipInline(admin.TabularInline):
    model = DossierMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = [
        "legal_name",
        "firm",
        "code",
        "enterprise_number",
        "language",
        "accountant",
        "is_archived",
    ]
    list_filter = ["firm", "language", "legal_form", "is_archived"]
    list_select_related = ["firm", "accountant"]
    search_fields = ["legal_name", "code", "enterprise_number", "vat_number", "firm__name"]
    raw_id_fields = ["accountant"]
    readonly_fields = ["code"]
    inlines = [DossierMembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "firm", "dossier", "role", "status", "created_at", "expires_at"]
    list_filter = ["status", "firm"]
    list_select_related = ["firm", "dossier"]
    search_fields = ["email", "firm__name", "dossier__legal_name"]
    readonly_fields = ["token_hash", "invited_by", "accepted_by", "accepted_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "firm", "dossier", "actor", "object_repr"]
    list_filter = ["action", "firm"]
    list_select_related = ["firm", "dossier", "actor"]
    search_fields = ["action", "object_repr", "firm__name", "dossier__legal_name", "actor__email"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
