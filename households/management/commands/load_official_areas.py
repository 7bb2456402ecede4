from django.core.management.base import BaseCommand, CommandError

from households.area_loading import AreaLoadError, areas_load, official_area_rows
from povertycase.access import SYSTEM


class Command(BaseCommand):
    help = (
        "Load the official provinces and communes in force since 1 July 2025 (34 provinces, "
        "3,321 communes, wards and special zones) from the vietnam-provinces package. "
        "Running it again corrects names and changes nothing else."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Only this province (2-digit code), e.g. 48.")

    def handle(self, *args, province=None, **options):
        rows = official_area_rows(province)
        if not rows:
            raise CommandError(f"No province with code {province!r}.")
        try:
            result = areas_load(rows, by=SYSTEM)
        except AreaLoadError as error:
            raise CommandError("Nothing was loaded:\n" + "\n".join(error.errors))
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        )
