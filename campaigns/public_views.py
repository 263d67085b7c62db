"""Endpoints members reach from messages, without logging in: each trusts only its signed token."""
from django.core import signing
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
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


PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def open_pixel(request, token):
    """A 1×1 GIF; a valid token records an open. A bad token still gets the image (mail clients show it)."""
    from customers.models import EngagementEvent

    from .services.tracking import tracking_event_record

    try:
        tracking_event_record(token=token, kind=EngagementEvent.Kind.OPEN)
    except signing.BadSignature:
        pass
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def click(request, token):
    """Record the click and redirect to the signed target (never to an unsigned URL: no open redirect)."""
    from customers.models import EngagementEvent

    from .services.tracking import tracking_event_record

    try:
        url = tracking_event_record(token=token, kind=EngagementEvent.Kind.CLICK)
    except signing.BadSignature:
        return HttpResponseBadRequest("This link is not valid.")
    if not url or not url.startswith(("http://", "https://")):
        return HttpResponseBadRequest("This link is not valid.")
    return HttpResponseRedirect(url)
