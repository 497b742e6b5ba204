"""``manage.py bench_class``: the class benchmark (see ``labs.classbench``)."""

from django.core.management.base import BaseCommand

from labs import classbench


class Command(BaseCommand):
    help = (
        "Start the real stack as make run does (on free ports, a throwaway database), a Lab 2 "
        "class through the instructor page, and simulated trainees using it; print the figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trainees", type=int, default=60, help="even; pairs = half")
        parser.add_argument("--duration", type=float, default=120.0, help="seconds of use")
        parser.add_argument(
            "--database-url", help="a database to fill (default: a throwaway SQLite file)"
        )
        parser.add_argument(
            "--postgres", action="store_true", help="on a throwaway PostgreSQL cluster"
        )
        parser.add_argument(
            "--web-servers", type=int, default=1, help="web roles, each on its own port"
        )
        parser.add_argument("--workers", type=int, default=1, help="Celery worker roles")
        parser.add_argument(
            "--chaos", action="store_true", help="kill the worker, beat and a web process once"
        )
        parser.add_argument(
            "--keep-log",
            help="copy the stack's output here (with ACCESS_LOG=1: every request the server saw)",
        )

    def handle(self, *args, **options):
        if options["trainees"] < 2 or options["trainees"] % 2:
            self.stderr.write("--trainees must be an even number (a Lab 2 class is pairs)")
            raise SystemExit(2)
        figures = classbench.run(
            trainees=options["trainees"],
            duration=options["duration"],
            database_url=options["database_url"],
            postgres=options["postgres"],
            web_servers=options["web_servers"],
            workers=options["workers"],
            chaos=options["chaos"],
            keep_log=options["keep_log"],
            log=lambda text: self.stderr.write(text),
        )
        self.stdout.write(self.style.MIGRATE_HEADING("Class benchmark"))
        classbench.report(figures, self.stdout.write)
