from django.shortcuts import render

from apps.access.decorators import permission_required


@permission_required("entities.view_legalentity")
def dashboard(request):
    return render(request, "reporting/dashboard.html")
