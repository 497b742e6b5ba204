from django.urls import path

from . import views

app_name = "cloudapi"

urlpatterns = [
    path("", views.access_keys, name="access-keys"),
    path("create/", views.access_key_create, name="access-key-create"),
    path("<str:key_id>/<str:action>/", views.access_key_action, name="access-key-action"),
]
