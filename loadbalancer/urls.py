app_name = "loadbalancer"

urlpatterns = []
