"""Seed one campaign per lifecycle stage, following what a retailer would advise for each.

New: thank-you and a short survey, no discount. Promising: a personal selection. Wandering: a selection,
then a coupon if they still have not bought. Dormant, At risk, Lost: a coupon and a personal selection
(Lost also a manager call). Loyal: a personal selection and a review request — never a discount.
"""
from django.db import migrations

SELECTION = "{% for product in personal_selection %}\n- {{ product.name }}{% endfor %}"
BASKET = "{% if usual_basket %}\nTime to restock? Your usual:{% for product in usual_basket %}\n- {{ product.name }}{% endfor %}{% endif %}"
HELLO = "Hello{% if first_name %}, {{ first_name }}{% endif %}!\n\n"

COUPONS = {
    "comeback10": ("Come back: 10% off", "10", 14),
    "winback15": ("We miss you: 15% off", "15", 21),
}

# stage slug: (campaign name, holdout %, [(day, action, channel, condition, subject, body, extra)])
CAMPAIGNS = {
    "new": ("New: thank you and a short survey", 10, [
        (0, "message", "email", "", "Thank you for your first purchase",
         HELLO + "Thank you for shopping with us. You have {{ points }} points already.\n"
                 "Tell us in one minute how it went: {{ survey_url|default:'reply to this email' }}", {}),
    ]),
    "promising": ("Promising: a personal selection", 10, [
        (0, "message", "email", "", "Picked for you",
         HELLO + "We picked these for you:" + SELECTION + BASKET, {}),
    ]),
    "wandering": ("Wandering: selection, then a coupon", 10, [
        (0, "message", "email", "", "New for you", HELLO + "Have a look at these:" + SELECTION, {}),
        (5, "coupon", "", "no_purchase", "", "", {"coupon": "comeback10", "offer_title": "10% off your next order"}),
        (5, "message", "email", "no_purchase", "10% off, just for you",
         HELLO + "Here is 10% off: {{ coupon_code }}. Picked for you:" + SELECTION, {}),
    ]),
    "dormant": ("Dormant: coupon and selection", 10, [
        (0, "coupon", "", "", "", "", {"coupon": "comeback10", "offer_title": "10% off to welcome you back"}),
        (0, "message", "email", "", "10% off to welcome you back",
         HELLO + "Your code {{ coupon_code }} gives 10% off. Picked for you:" + SELECTION + BASKET, {}),
    ]),
    "loyal": ("Loyal: selection and a review request (no discount)", 10, [
        (0, "message", "email", "", "Picked for you, {{ first_name }}",
         HELLO + "As one of our best customers ({{ tier|default:'member' }}, {{ points }} points), "
                 "here is what we picked for you:" + SELECTION, {}),
        (3, "review_request", "", "", "", "", {}),
        (3, "message", "email", "", "How was your last order?",
         HELLO + "Would you rate what you bought? It takes a minute: {{ review_url }}", {}),
    ]),
    "at_risk": ("At risk: coupon and selection, quickly", 10, [
        (0, "coupon", "", "", "", "", {"coupon": "winback15", "offer_title": "15% off, just for you"}),
        (0, "message", "email", "", "15% off, just for you",
         HELLO + "We would love to see you again: {{ coupon_code }} gives 15% off." + SELECTION + BASKET, {}),
        (2, "message", "sms", "no_purchase", "", "{{ first_name }}, your 15% code {{ coupon_code }} is waiting.", {}),
    ]),
    "lost": ("Lost: a strong coupon, a selection and a call", 10, [
        (0, "coupon", "", "", "", "", {"coupon": "winback15", "offer_title": "15% off to win you back"}),
        (0, "message", "email", "", "We miss you: 15% off",
         HELLO + "It has been a while. {{ coupon_code }} gives 15% off." + SELECTION + BASKET, {}),
        (7, "manager_task", "", "no_purchase", "", "", {"task_text": "Call a lost customer who did not come back"}),
    ]),
}


def seed(apps, schema_editor):
    Stage = apps.get_model("lifecycle", "LifecycleStage")
    Campaign = apps.get_model("campaigns", "Campaign")
    Step = apps.get_model("campaigns", "CampaignStep")
    CouponTemplate = apps.get_model("loyalty", "CouponTemplate")
    templates = {}
    for key, (name, percent, days) in COUPONS.items():
        templates[key], _ = CouponTemplate.objects.get_or_create(
            name=name, defaults={"discount_kind": "percent", "discount_value": percent, "validity_days": days})
    for slug, (name, holdout, steps) in CAMPAIGNS.items():
        stage = Stage.objects.filter(slug=slug).first()
        if stage is None or Campaign.objects.filter(slug=f"stage-{slug}").exists():
            continue
        # Inactive until staff switch them on: a new install must not mail every member its first stage run places.
        campaign = Campaign.objects.create(slug=f"stage-{slug}", name=name, trigger="stage_entered", stage=stage,
                                           holdout_percent=holdout, description=stage.description, is_active=False)
        for position, (day, action, channel, condition, subject, body, extra) in enumerate(steps):
            Step.objects.create(
                campaign=campaign, position=position, day_offset=day, action=action, channel=channel,
                condition=condition, subject_template=subject, body_template=body,
                coupon_template=templates.get(extra.get("coupon")), offer_title=extra.get("offer_title", ""),
                task_text=extra.get("task_text", ""),
            )
    apps.get_model("campaigns", "CampaignSettings").objects.get_or_create(pk=1)


def unseed(apps, schema_editor):
    apps.get_model("campaigns", "Campaign").objects.filter(slug__in=[f"stage-{s}" for s in CAMPAIGNS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_campaign_schedules"),
        ("lifecycle", "0002_default_stages"),
        ("loyalty", "0003_programme_ledger_coupons"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
