from households.imports import reviews_import
from households.management.import_command import ImportCommand


class Command(ImportCommand):
    help = "Import a review file (CSV or XLSX) as draft reviews; see GET /api/v1/imports/reviews/template/."
    run = staticmethod(reviews_import)
