"""Run every app's benchmarks on a throwaway database and print the numbers.

Each installed app may have a ``bench`` module with ``BENCHMARKS = [(name, callable)]``; a
callable returns a dict of labelled results. Nothing touches the development database.
"""

import importlib
import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)


class Command(BaseCommand):
    help = "Run the benchmarks of every app (on a throwaway database) and print the timings."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="only these benchmarks")

    def handle(self, *args, names=(), **options):
        benchmarks = []
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.bench")
            except ModuleNotFoundError:
                continue
            benchmarks += [(n, f) for n, f in module.BENCHMARKS if not names or n in names]
        # Asynchronous steps run inline: benchmarks measure the work, not the broker.
        from console.celery import app

        app.conf.task_always_eager = True
        settings.PROVISION_DELAY = 0
        setup_test_environment()
        old = setup_databases(verbosity=0, interactive=False, keepdb=False)
        try:
            from console.catalogue import load_catalogue
            from console.models import Region, Zone

            load_catalogue(Region, Zone)
            for name, function in benchmarks:
                start = time.perf_counter()
                results = function()
                elapsed = time.perf_counter() - start
                self.stdout.write(self.style.MIGRATE_HEADING(f"{name} ({elapsed:.1f} s in all)"))
                for label, value in results.items():
                    self.stdout.write(f"  {label:<55} {value}")
        finally:
            teardown_databases(old, verbosity=0)
            teardown_test_environment()
