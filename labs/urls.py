from django.urls import path

from . import views

app_name = "labs"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/<str:lab>/", views.start, name="start"),
    path("panel/", views.panel, name="panel"),
    path("panel/api/", views.api_access, name="api-access"),
    path("panel/api/<int:account_pk>/create/", views.api_access_create, name="api-access-create"),
    path("join/", views.join, name="join"),
    path("runs/<int:pk>/leave/", views.leave, name="leave"),
    path("runs/<int:pk>/reset/", views.reset, name="reset"),
    path("runs/<int:pk>/look/<str:role>/", views.look, name="look"),
    path("classes/", views.classes, name="classes"),
    path("classes/<int:pk>/", views.classroom, name="class"),
    path("classes/<int:pk>/sheet/", views.sheet, name="sheet"),
    path("unlock/", views.unlock, name="unlock"),
    path("classes/<int:pk>/reset/", views.reset_class, name="reset-class"),
]
