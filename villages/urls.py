from django.urls import path

from villages import views

app_name = "villages"

urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("account/password/", views.password_change, name="password_change"),
]
