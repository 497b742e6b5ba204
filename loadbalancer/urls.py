from . import views

app_name = "loadbalancer"

urlpatterns = []
for resource in views.RESOURCES:
    urlpatterns += resource.urls()
