"""The site root: the cloud's RPC API when a request carries its markers, else the console."""

from django.urls import path

from .views import root

urlpatterns = [path("", root, name="root")]
