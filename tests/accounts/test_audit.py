import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEntry
from accounts.services import audit_log


def test_audit_entries_cannot_be_changed_or_deleted(personas):
    entry = audit_log(actor=personas.owner, firm=personas.firm, action="kyte.test", data={"x": 1})
    entry.action = "tampered"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(ValueError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "kyte.test"


def test_database_refuses_raw_updates_on_postgresql(personas):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL")
    entry = audit_log(actor=personas.owner, firm=personas.firm, action="kyte.test")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditentry WHERE id = %s", [entry.pk])


def test_deleting_a_user_keeps_their_history(personas):
    entry = audit_log(actor=personas.entrepreneur_b, dossier=personas.dossier_b, action="kyte.test")
    personas.entrepreneur_b.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor is None and entry.action == "kyte.test" and entry.dossier == personas.dossier_b


def test_audit_records_tenant_and_object(personas):
    entry = audit_log(
        actor=personas.accountant,
        dossier=personas.dossier_a,
        obj=personas.dossier_a,
        action="kyte.dossier.updated",
        data={"changes": {"city": ["A", "B"]}},
    )
    assert (entry.firm, entry.dossier, entry.object_type, entry.object_id) == (
        personas.firm,
        personas.dossier_a,
        "accounts.dossier",
        str(personas.dossier_a.pk),
    )
