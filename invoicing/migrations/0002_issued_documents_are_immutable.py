"""On PostgreSQL, issued documents and their lines refuse UPDATE and DELETE at the database level.

Allowed on an issued invoice: attaching its PDF once, and the status change issued → credited.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kyte_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'status' - 'pdf' - 'updated_at') = (to_jsonb(OLD) - 'status' - 'pdf' - 'updated_at')
       AND (NEW.status = OLD.status OR (OLD.status = 'issued' AND NEW.status = 'credited'))
       AND (NEW.pdf = OLD.pdf OR OLD.pdf = '') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'issued document % cannot be changed or deleted', OLD.number;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoicing_invoice_immutable BEFORE UPDATE OR DELETE ON invoicing_invoice
    FOR EACH ROW EXECUTE FUNCTION kyte_invoice_immutable();

CREATE OR REPLACE FUNCTION kyte_invoice_line_immutable() RETURNS trigger AS $$
DECLARE parent_status text;
BEGIN
    SELECT status INTO parent_status FROM invoicing_invoice WHERE id = OLD.invoice_id;
    IF parent_status IS NULL OR parent_status = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'lines of an issued document cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER invoicing_invoiceline_immutable BEFORE UPDATE OR DELETE ON invoicing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION kyte_invoice_line_immutable();
CREATE TRIGGER invoicing_allowancecharge_immutable BEFORE UPDATE OR DELETE ON invoicing_allowancecharge
    FOR EACH ROW EXECUTE FUNCTION kyte_invoice_line_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS invoicing_invoice_immutable ON invoicing_invoice;
DROP TRIGGER IF EXISTS invoicing_invoiceline_immutable ON invoicing_invoiceline;
DROP TRIGGER IF EXISTS invoicing_allowancecharge_immutable ON invoicing_allowancecharge;
DROP FUNCTION IF EXISTS kyte_invoice_immutable();
DROP FUNCTION IF EXISTS kyte_invoice_line_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
