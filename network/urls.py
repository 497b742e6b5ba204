from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("instances/<str:pk>/browser/", views.instance_browser, name="instance-browser"),
    path("endpoints/<str:pk>/diagnose/", views.endpoint_diagnose, name="endpoint-diagnose"),
    path("endpoints/<str:pk>/topology.svg", views.endpoint_topology, name="endpoint-topology"),
    path(
        "endpoint-services/<str:pk>/topology.svg",
        views.service_topology,
        name="service-topology",
    ),
]
