from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from apps.access.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link cannot log a user out behind their back."""


@login_required
def home(request):
    return redirect("reporting:dashboard")
