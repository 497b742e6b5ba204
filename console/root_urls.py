"""The site's routes: the shell and base resources, then each product."""

from django.urls import include, path

urlpatterns = [
    path("loadbalancer/", include("loadbalancer.urls")),
    path("privatelink/", include("privatelink.urls")),
    path("labs/", include("labs.urls")),
    path("network/", include("network.urls")),
    path("", include("console.urls")),
]
