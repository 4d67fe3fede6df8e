app_name = "kpis"
urlpatterns: list = []
