from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
    verbose_name = "Console"

    def ready(self):
        # live connects the change counters to model signals; services registers the
        # follow-up work after the worker's steps (tickets), in every process, worker included.
        from . import lifecycle, live, services, tasks  # noqa: F401

        # The lifecycle enqueues the advance task; registering it here keeps lifecycle and
        # tasks from importing each other.
        lifecycle.register_advance_task(tasks.advance_resource)

        from .sessions import write_last_login_with_the_session

        write_last_login_with_the_session()
