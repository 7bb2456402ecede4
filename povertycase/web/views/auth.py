"""Signing in and out of the browser pages: a session with CSRF, the login throttled like the
API's token endpoint."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import path, reverse_lazy

from povertycase.accounts.throttle import throttled_login
from povertycase.web.forms import LoginForm


def home(request):
    """`/`: the login page for anyone not signed in, the register for the rest."""
    if request.user.is_authenticated:
        return redirect("web:households")
    return login(request)


login = throttled_login(auth_views.LoginView.as_view(
    template_name="web/login.html", authentication_form=LoginForm, redirect_authenticated_user=True,
    next_page=reverse_lazy("web:households")))

urlpatterns = [
    path("", home, name="home"),
    path("login/", login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("web:home")), name="logout"),
]
