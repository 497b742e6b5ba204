from django.apps import AppConfig


class NetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "network"
    verbose_name = "Network connectivity"

    def ready(self):
        # The **Open Browser** tab of an ECS instance's page, before its Events tab.
        from console.generic import Tab
        from console.views import instances

        from .views import browser_tab_context

        instances.register_tab(
            Tab(
                "browser",
                "Open Browser",
                "network/partials/browser_tab.html",
                browser_tab_context,
            ),
            before="events",
        )
