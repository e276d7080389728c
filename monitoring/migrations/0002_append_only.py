"""On PostgreSQL closed months, their facts and adjustments refuse UPDATE and DELETE."""

from django.db import migrations

TABLES = ["monitoring_monthclose", "monitoring_monthfact", "monitoring_monthadjustment"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kyte_history_append_only();"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("billing", "0002_status_change_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
