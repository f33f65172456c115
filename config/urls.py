from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from villages import views as village_views

urlpatterns = [
    path("", village_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", village_views.set_language, name="set_language"),
    path("healthz/", village_views.healthz, name="healthz"),
    path("staff/", village_views.staff_list, name="staff_list"),
    path("staff/new/", village_views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", village_views.staff_detail, name="staff_detail"),
    path("admin/", admin.site.urls),
    path("", include("households.urls")),
]
