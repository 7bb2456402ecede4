from django.core.management.base import BaseCommand, CommandError

from households.area_loading import (
    AREA_COLUMNS,
    AreaLoadError,
    areas_load,
    read_area_csv,
)
from povertycase.access import SYSTEM


class Command(BaseCommand):
    help = (
        "Create or correct administrative units from a CSV file with the columns "
        + ", ".join(AREA_COLUMNS)
        + ". Any bad row: nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", help="Path to the CSV file (UTF-8).")

    def handle(self, *args, csv_file, **options):
        try:
            with open(csv_file, encoding="utf-8-sig", newline="") as stream:
                result = areas_load(read_area_csv(stream), by=SYSTEM)
        except OSError as error:
            raise CommandError(str(error))
        except AreaLoadError as error:
            raise CommandError("Nothing was loaded:\n" + "\n".join(error.errors))
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        )
