from django.apps import AppConfig


class CloudApiConfig(AppConfig):
    name = "cloudapi"
    verbose_name = "Cloud API"

    def ready(self):
        from . import products  # noqa: F401  (registers every operation)
