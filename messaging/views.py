"""Provider callbacks: delivery reports of SMS gateways. Thin: the gateway parses and checks the signature,
a signal hands each report to the outbox's owner."""
import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .signals import delivery_reported
from .sms import sms_gateway

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def sms_status_callback(request, provider: str, secret: str = ""):
    gateway = sms_gateway(provider)
    try:
        statuses = gateway.parse_callback(request)
    except PermissionError as error:
        logger.warning("sms_callback_refused provider=%s reason=%s", provider, error)
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    except (ValueError, KeyError) as error:
        logger.warning("sms_callback_malformed provider=%s error=%s", provider, error)
        return HttpResponse("bad request", status=400, content_type="text/plain")
    placed = 0
    for status in statuses:
        if any(answer is True for _receiver, answer in delivery_reported.send(sender=gateway.__class__, status=status)):
            placed += 1
    if placed < len(statuses):
        # the send is not recorded yet (or unknown): the provider repeats the report later
        logger.info("sms_callback_unplaced provider=%s reports=%s placed=%s", provider, len(statuses), placed)
        return HttpResponse("retry", status=503, content_type="text/plain")
    body, content_type = gateway.callback_answer()
    return HttpResponse(body, content_type=content_type)


# ESPs whose tracking webhooks we take, by the name in the URL; Anymail's views check their signatures
# (Mailgun's HMAC with MAILGUN_WEBHOOK_SIGNING_KEY, Unisender Go's MD5 with its API key, Postmark's basic
# auth with WEBHOOK_SECRET) and parse their payloads.
EMAIL_TRACKING_VIEWS = {
    "unisender_go": "anymail.webhooks.unisender_go.UnisenderGoTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridTrackingWebhookView",
    "mailjet": "anymail.webhooks.mailjet.MailjetTrackingWebhookView",
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "resend": "anymail.webhooks.resend.ResendTrackingWebhookView",
}


@csrf_exempt
def email_tracking_webhook(request, esp: str):
    """An ESP's tracking webhook through Anymail's view; an event whose message is not recorded yet is answered
    503, so the ESP posts it again (what was recorded of the post stays recorded, once)."""
    from django.http import Http404
    from django.utils.module_loading import import_string

    from .email.tracking import DeliveryNotPlaced

    if esp not in EMAIL_TRACKING_VIEWS:
        raise Http404("unknown email provider")
    view = import_string(EMAIL_TRACKING_VIEWS[esp]).as_view()
    try:
        return view(request)
    except DeliveryNotPlaced as error:
        logger.info("email_tracking_unplaced esp=%s event=%s", esp, error)
        return HttpResponse("retry", status=503, content_type="text/plain")
