"""The public webhook endpoint: POST /hooks/<connector-slug>/ (authenticated by signature, not by session)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.sync.services.intake import MAX_BODY, webhook_receive


@csrf_exempt
@require_POST
def receive(request, slug: str):
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY:  # refuse before reading a huge body
        return JsonResponse({"status": "refused", "message": "The body is larger than 1024 KB."}, status=413)
    answer = webhook_receive(connector_slug=slug, headers=request.headers, body=request.body)
    return JsonResponse(answer.body, status=answer.status)
