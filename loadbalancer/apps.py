from django.apps import AppConfig


class LoadbalancerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loadbalancer"
    verbose_name = "Server Load Balancer"

    def ready(self):
        # Registers the delete guards (an ECS instance that is a backend, a VPC in use...).
        from . import services  # noqa: F401
