"""Rebuild the report figures (HouseholdYear and AreaTally) from the register. The services
keep them current; run this once a year on 1 January (the new year's rows), after an upgrade
that adds them, or to repair."""

from django.core.management.base import BaseCommand
from django.db import transaction

from households import tallies


class Command(BaseCommand):
    help = "Rebuild the figures the outcome reports read, from the register."

    def handle(self, *args, **options):
        with transaction.atomic():
            households = tallies.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Figures rebuilt for {households:,} households."))
