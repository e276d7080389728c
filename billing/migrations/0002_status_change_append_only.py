"""On PostgreSQL the Kyte state history refuses UPDATE and DELETE: the monthly counts are computed from it."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kyte_history_append_only() RETURNS trigger AS $$
BEGIN
    -- The one change allowed: forgetting a user (actor, accountant) whose account is deleted.
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'actor_id' - 'accountant_id') = (to_jsonb(OLD) - 'actor_id' - 'accountant_id')
       AND (to_jsonb(NEW) ->> 'actor_id') IS NULL AND (to_jsonb(NEW) ->> 'accountant_id') IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_statuschange_append_only
    BEFORE UPDATE OR DELETE ON billing_statuschange
    FOR EACH ROW EXECUTE FUNCTION kyte_history_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS billing_statuschange_append_only ON billing_statuschange;
DROP FUNCTION IF EXISTS kyte_history_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
