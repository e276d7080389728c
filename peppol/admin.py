from django.contrib import admin

from peppol.models import DossierTransport, PeppolParticipant, ReceivedDocument, SandboxMessage, Transmission


@admin.register(DossierTransport)
class DossierTransportAdmin(admin.ModelAdmin):
    list_display = ["dossier", "backend"]
    autocomplete_fields = ["dossier"]


@admin.register(PeppolParticipant)
class PeppolParticipantAdmin(admin.ModelAdmin):
    list_display = ["scheme", "value", "dossier", "state", "updated_at"]
    list_filter = ["state"]
    search_fields = ["value", "dossier__legal_name"]
    readonly_fields = ["dossier", "scheme", "value", "state", "detail"]


@admin.register(Transmission)
class TransmissionAdmin(admin.ModelAdmin):
    list_display = [
        "invoice",
        "dossier",
        "channel",
        "backend",
        "status",
        "attempts",
        "receiver",
        "created_at",
    ]
    list_filter = ["status", "channel", "backend"]
    search_fields = ["receiver", "invoice__number", "message_id"]
    exclude = ["wire"]
    readonly_fields = ["invoice", "dossier", "instance_id", "message_id", "evidence", "detail"]


@admin.register(ReceivedDocument)
class ReceivedDocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "dossier", "sender", "via", "valid", "received_at"]
    list_filter = ["via", "valid"]
    search_fields = ["number", "sender", "seller_name"]
    readonly_fields = ["dossier", "sender", "receiver", "instance_id", "sha256", "ubl_sha256"]


@admin.register(SandboxMessage)
class SandboxMessageAdmin(admin.ModelAdmin):
    """The local backend's sandbox outbox: what would have left this installation."""

    list_display = ["receiver", "transmission", "created_at"]
    search_fields = ["receiver"]
    exclude = ["envelope"]
    readonly_fields = ["transmission", "receiver", "created_at"]
