app_name = "privatelink"

urlpatterns = []
