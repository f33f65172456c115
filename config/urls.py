from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import anchor, views
from villages.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("robots.txt", views.robots),
    path("admin/", admin.site.urls),
    path("", include("villages.urls")),
    path("", include("households.urls")),
    path("", include("grid.urls")),
    path("", include("points.urls")),
    path("", include("notices.urls")),
    path("", include("monitoring.urls")),
]

if settings.BENCH_ANCHOR:  # the page benches' minimal view (config/anchor.py)
    urlpatterns.append(path("bench/anchor/<str:token>/", anchor.anchor))
