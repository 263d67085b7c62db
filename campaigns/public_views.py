"""Endpoints members reach from messages, without logging in: each trusts only its signed token."""
from django.core import signing
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from .services.unsubscribe import member_unsubscribe


@csrf_exempt  # RFC 8058 one-click: the mail provider POSTs without a session or CSRF token
def unsubscribe(request, token):
    """GET shows a confirmation button; POST (the button or a mail client's one-click) withdraws consent."""
    try:
        member, channel = member_unsubscribe(token=token, confirm=request.method == "POST")
    except signing.BadSignature:
        return HttpResponseBadRequest("This unsubscribe link is not valid.")
    return render(request, "campaigns/unsubscribe.html",
                  {"member": member, "channel": channel, "done": request.method == "POST"})
