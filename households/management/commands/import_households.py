from households.imports import households_import
from households.management.import_command import ImportCommand


class Command(ImportCommand):
    help = "Import a household register file (CSV or XLSX), one member a row."
    run = staticmethod(households_import)
