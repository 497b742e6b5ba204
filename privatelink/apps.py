from django.apps import AppConfig


class PrivatelinkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "privatelink"
    verbose_name = "PrivateLink"

    def ready(self):
        # Registers the delete guards (a load balancer that is a service resource, a vSwitch
        # holding endpoint ENIs, a security group of an endpoint...).
        from . import services  # noqa: F401
