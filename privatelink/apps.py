from django.apps import AppConfig


class PrivatelinkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "privatelink"
