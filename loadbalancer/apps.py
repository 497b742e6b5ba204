from django.apps import AppConfig


class LoadbalancerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loadbalancer"
