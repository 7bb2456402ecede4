from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from households.imports import ImportRejected, read_table
from povertycase.accounts.models import User


class ImportCommand(BaseCommand):
    """Runs an import from a file, with a progress bar, as a named user: the user is recorded
    as the author of every change and their area scope applies. Unlike the API it takes a file
    of any size (IMPORT_MAX_* do not apply)."""

    run = None

    def add_arguments(self, parser):
        parser.add_argument("file", help="A CSV (UTF-8) or XLSX file.")
        parser.add_argument("--user", required=True, help="Username recorded as the author.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")

    def handle(self, *args, file, user, dry_run, **options):
        try:
            author = User.objects.get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {user!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        with tqdm(desc="rows read", unit=" rows", disable=options.get("verbosity", 1) == 0) as bar:
            try:
                header, rows = read_table(path.read_bytes(), path.name)
                result = type(self).run(header, rows, by=author, dry_run=dry_run, progress=bar.update)
            except ImportRejected as rejected:
                lines = [f"row {e.row}, {e.column}: {e.message}" for e in rejected.errors[:200]]
                more = rejected.count - len(lines)
                if not rejected.complete:
                    lines.append(f"… checking stopped after {rejected.count} errors; there may be more")
                elif more > 0:
                    lines.append(f"… and {more} more")
                raise CommandError("Nothing was written.\n" + "\n".join(lines))
        self.stdout.write(
            f"{'checked (dry run)' if dry_run else 'imported'}: {result.rows} rows; "
            f"created {dict(result.created)}; updated {dict(result.updated)}; unchanged {result.unchanged}"
        )
