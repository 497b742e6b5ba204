"""The site's routes: the shell and base resources, then each product."""

from django.urls import include, path

urlpatterns = [
    path("loadbalancer/", include("loadbalancer.urls")),
    path("privatelink/", include("privatelink.urls")),
    path("labs/", include("labs.urls")),
    path("network/", include("network.urls")),
    path("accesskeys/", include("cloudapi.urls")),
    # The API of the official SDKs shares the site root with the console's home page.
    path("", include("cloudapi.root_urls")),
    path("", include("console.urls")),
]
