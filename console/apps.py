from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
    verbose_name = "Console"

    def ready(self):
        from . import lifecycle, tasks

        # live: connects the change counters to model signals. The lifecycle enqueues the
        # advance task; registering it here keeps lifecycle and tasks from importing each other.
        lifecycle.register_advance_task(tasks.advance_resource)
