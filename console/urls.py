from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import live, views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The signed live tokens say which accounts a stream follows (see console.live).
    path(live.EVENTS_PATH.lstrip("/"), login_not_required(live.events_view), name="live-events"),
    path("region/", views.switch_region, name="switch-region"),
    path("accounts/", views.accounts_view, name="accounts"),
    path("accounts/view/", views.view_account, name="view-account"),
    path("accounts/switch/", views.switch_account, name="switch-account"),
    path("tickets/review/", views.tickets_review, name="tickets-review"),
    path("tickets/review/<str:pk>/<str:decision>/", views.ticket_decide, name="ticket-decide"),
]
for resource in views.RESOURCES:
    urlpatterns += resource.urls()
