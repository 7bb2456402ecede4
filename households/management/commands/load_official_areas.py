from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from households.area_loading import (
    AreaLoadError,
    areas_load,
    former_unit_rows,
    former_units_load,
    official_area_rows,
)
from povertycase.access import SYSTEM


class Command(BaseCommand):
    help = (
        "Load the official provinces and communes in force since 1 July 2025 (34 provinces, "
        "3,321 communes, wards and special zones) from the vietnam-provinces package, and the "
        "units of 30 June 2025 (63 provinces, 696 districts, 10,035 communes) with the units of "
        "today each went into, from the vietnamadminunits package. Running it again corrects "
        "names and successors (a newer dataset) and deletes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Only this province of today (2-digit code), e.g. 48, and the "
                                               "former units that went into it.")

    @transaction.atomic
    def handle(self, *args, province=None, **options):
        rows = official_area_rows(province)
        if not rows:
            raise CommandError(f"No province with code {province!r}.")
        try:
            current = areas_load(rows, by=SYSTEM)
        except AreaLoadError as error:
            raise CommandError("Nothing was loaded:\n" + "\n".join(error.errors))
        former = former_units_load(former_unit_rows(province), by=SYSTEM)
        for label, result in (("units of today", current), ("former units", former)):
            self.stdout.write(f"{label}: created {result.created}, updated {result.updated}, "
                              f"unchanged {result.unchanged}")
