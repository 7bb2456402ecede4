"""Household search is `search_text LIKE '%term%'`. On PostgreSQL a trigram GIN index serves
that at national scale; SQLite has no such index and scans, which is fine at its sizes."""

from django.db import migrations


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS household_search_trgm "
        "ON households_household USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS household_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
