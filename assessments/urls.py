from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.start, name="start"),
    path("results/<uuid:public_id>/", views.result, name="result"),
    path("results/visitor/<str:token>/", views.visitor_result, name="visitor_result"),
    path("history/", views.history, name="history"),
    path("history/<int:user_id>/", views.member_history, name="member_history"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/answer/", views.round_answer, name="round_answer"),
    path("rounds/<int:pk>/send-again/", views.round_resend, name="round_resend"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
]
