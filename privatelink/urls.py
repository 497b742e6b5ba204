from django.urls import path

from . import views

app_name = "privatelink"

urlpatterns = [path("activate/", views.activate_view, name="activate")]
for resource in views.RESOURCES:
    urlpatterns += resource.urls()
