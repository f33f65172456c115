"""Load a county's real statistical division codes (`code,name` CSV) into the region tree.

Exists so a county can start from the NBS table as it is: levels are inferred from the
code length and parents from the code prefix; re-running it only applies renames.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villages.services import regions_load


class Command(BaseCommand):
    help = "Load regions from a code,name CSV (levels inferred from code length)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            result = regions_load(data=data)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for error in result.errors:
            self.stderr.write(error)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"regions: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {len(result.errors)} rejected"
            )
        if result.errors and not (result.created or result.updated or result.unchanged):
            raise CommandError("no region loaded")
