"""Turn an outbox row into what a channel back end sends."""
from django.core import signing

from core.encryption import FieldDecryptError, field_decrypt

from ..channels import OutgoingMessage, PermanentSendError
from ..models import SECRET_PLACEHOLDER, OutboxMessage, Purpose

UNSUBSCRIBE_SALT = "campaigns.unsubscribe"


def unsubscribe_token(*, member_id: int, channel: str) -> str:
    # Deterministic (no timestamp): an unsubscribe link must keep working as long as the mail exists.
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object([member_id, channel], compress=True)


def unsubscribe_url(*, member_id: int, channel: str) -> str:
    from .tracking import _url

    return _url("campaigns_public:unsubscribe", unsubscribe_token(member_id=member_id, channel=channel))


def with_secret(message: OutboxMessage) -> str:
    """The body to send: the placeholder replaced by the decrypted secret (in memory only, never saved)."""
    if SECRET_PLACEHOLDER not in message.body:
        return message.body
    if not message.encrypted_secret:
        raise PermanentSendError("the secret was already wiped (expired or sent)")
    try:
        return message.body.replace(SECRET_PLACEHOLDER, field_decrypt(message.encrypted_secret))
    except FieldDecryptError as error:
        raise PermanentSendError("the secret cannot be decrypted (FIELD_ENCRYPTION_KEY or SECRET_KEY changed?)") from error


def outgoing_for(message: OutboxMessage, *, channel: str, to: str) -> OutgoingMessage:
    if channel == "webhook":
        from .webhooks import webhook_request

        body, headers = webhook_request(message)
        return OutgoingMessage(channel=channel, to=to, subject="", body="", idempotency_key=message.idempotency_key,
                               headers=headers, payload={"body": body})
    subject, body, html_body, link = message.subject, with_secret(message), "", ""
    custom_html = False
    if message.purpose == Purpose.MARKETING and not body and getattr(message, "campaign_step_id", None):
        from .message_content import render_step_message

        content = render_step_message(message, channel=channel)
        subject, body, html_body, link = content.subject, content.body, content.html, content.link
        custom_html = bool(html_body)
    unsubscribe = ""
    if message.purpose == Purpose.MARKETING and message.member_id:
        unsubscribe = unsubscribe_url(member_id=message.member_id, channel=channel)
        if channel == "email":
            from .email_layout import email_html, email_text, product_cards
            from .tracking import tracking_footer

            cards = []
            step = message.campaign_step if getattr(message, "campaign_step_id", None) else None
            if step is not None and step.email_product_cards and message.member is not None:
                from analytics.recommendations import personal_selection

                cards = product_cards(personal_selection(member=message.member, limit=step.email_product_cards + 2),
                                      campaign=step.campaign.slug, limit=step.email_product_cards)
            if custom_html:
                html_body = tracking_footer(html_body, message=message, unsubscribe=unsubscribe)
            else:
                html_body = email_html(message=message, subject=subject, text=body, cards=cards, unsubscribe=unsubscribe)
            body = email_text(text=body, cards=cards, unsubscribe=unsubscribe)
    elif channel == "email" and message.purpose == Purpose.TRANSACTIONAL and body:
        from .email_layout import email_html

        # the shop's look for codes and links too, untracked (the secret is in what is sent only, never stored)
        html_body = email_html(message=message, subject=subject, text=body, cards=[], unsubscribe="", tracked=False)
    return OutgoingMessage(
        channel=channel, to=to, subject=subject, body=body, html_body=html_body,
        idempotency_key=message.idempotency_key, unsubscribe_url=unsubscribe if channel == "email" else "",
        payload={"link": link} if link else None, member_id=message.member_id,
    )
