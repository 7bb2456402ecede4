from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    """Deliveries recorded before they named a funding source came from their programme's
    (its only source then); their history rows say the same."""
    Programme = apps.get_model("programmes", "Programme")
    source = Subquery(Programme.objects.filter(pk=OuterRef("programme_id")).values("funding_source")[:1])
    for name in ("Delivery", "HistoricalDelivery"):
        apps.get_model("programmes", name).objects.filter(funding_source__isnull=True).update(funding_source=source)


class Migration(migrations.Migration):

    dependencies = [
        ("programmes", "0004_disbursement_plan"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
