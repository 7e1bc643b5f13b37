from django.shortcuts import render

from apps.access.decorators import permission_required


@permission_required("entities.view_legalentity")
def index(request):
    return render(request, "mappings/index.html")
