from django.urls import path

from grid import views, views_log, views_matters

app_name = "grid"

urlpatterns = [
    path("grids/", views.grid_list, name="list"),
    path("grids/coverage/", views.coverage, name="coverage"),
    path("grids/visits/<int:household>/new/", views.visit_new, name="visit_new"),
    path("grids/patrols/<int:visit>/hazards/", views.hazard_new, name="hazard_new"),
    path("grids/hazards/", views.hazards, name="hazards"),
    path("grids/hazards/<int:pk>/photo.jpg", views.hazard_photo, name="hazard_photo"),
    path(
        "grids/hazards/<int:pk>/closing.jpg",
        views.hazard_photo,
        {"which": "closing"},
        name="hazard_closing_photo",
    ),
    path("grids/hazards/<int:pk>/close/", views.hazard_close, name="hazard_close"),
    path("matters/", views_matters.matter_list, name="matters"),
    path("log/", views_log.log_list, name="log"),
    path("log/<int:pk>/", views_log.log_entry, name="log_entry"),
    path("log/<int:pk>/action/", views_log.log_action, name="log_action"),
    path("matters/households/<int:household>/new/", views_matters.matter_new, name="matter_new"),
    path("matters/supervised/", views_matters.matter_supervised, name="matters_supervised"),
    path("matters/<int:pk>/", views_matters.matter_detail, name="matter"),
    path("matters/<int:pk>/action/", views_matters.matter_action, name="matter_action"),
    path("grids/<int:pk>/", views.grid_detail, name="detail"),
    path("grids/<int:pk>/members/", views.member_add, name="member_add"),
    path("grids/<int:pk>/members/<int:member>/remove/", views.member_remove, name="member_remove"),
    path("grids/<int:pk>/households/", views.households_assign, name="assign"),
    path(
        "grids/<int:pk>/households/<int:household>/remove/",
        views.household_remove,
        name="household_remove",
    ),
]
