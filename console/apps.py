from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "console"
    verbose_name = "Console"

    def ready(self):
        # The lifecycle enqueues this task; registering it here keeps lifecycle and tasks from
        # importing each other.
        from . import lifecycle, tasks

        lifecycle.register_advance_task(tasks.advance_resource)
