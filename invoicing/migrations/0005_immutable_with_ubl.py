"""The immutability trigger also lets the stored UBL original (and its SHA-256) be attached once."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kyte_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'status' - 'pdf' - 'ubl' - 'ubl_sha256' - 'updated_at')
           = (to_jsonb(OLD) - 'status' - 'pdf' - 'ubl' - 'ubl_sha256' - 'updated_at')
       AND (NEW.status = OLD.status OR (OLD.status = 'issued' AND NEW.status = 'credited'))
       AND (NEW.pdf = OLD.pdf OR OLD.pdf = '')
       AND (NEW.ubl = OLD.ubl OR OLD.ubl = '')
       AND (NEW.ubl_sha256 = OLD.ubl_sha256 OR OLD.ubl_sha256 = '') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'issued document % cannot be changed or deleted', OLD.number;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0004_invoice_ubl")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
