from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("", views.rating_list, name="list"),
    path("ratings.csv", views.export, name="export"),
    path("figures/", views.figures, name="figures"),
    path("figures.csv", views.figures_export, name="figures_export"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/cases.csv", views.case_export, name="case_export"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("mine/", views.my_ratings, name="mine"),
]
