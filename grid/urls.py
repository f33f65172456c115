from django.urls import path

from grid import views

app_name = "grid"

urlpatterns = [
    path("grids/", views.grid_list, name="list"),
    path("grids/coverage/", views.coverage, name="coverage"),
    path("grids/visits/<int:household>/new/", views.visit_new, name="visit_new"),
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
