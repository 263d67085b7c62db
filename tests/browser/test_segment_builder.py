"""The segment rule builder in the admin, in a real browser: dropdowns instead of JSON, a live count, a saved tree."""
import re

import pytest

from customers.tests.factories import MemberFactory
from segments.models import Segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_build_a_segment_with_dropdowns_see_its_count_and_save_it(page_factory, admin_user):
    # given three women, two men and a staff user signed in to the admin (in English)
    for _ in range(3):
        MemberFactory(gender="f")
    for _ in range(2):
        MemberFactory(gender="m")
    page = page_factory(locale="en-US")
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.goto("/admin/segments/segment/add/")
    page.fill("#id_name", "Women")

    # when they add a condition "profile field gender equals f" with the dropdowns only
    page.get_by_role("button", name="+ condition").click()
    page.get_by_label("Condition", exact=True).select_option(label="Member: Profile field")
    page.get_by_label("Field", exact=True).select_option("gender")
    page.get_by_label("Operator", exact=True).select_option("eq")
    page.get_by_label("value", exact=True).fill("f")
    # and ask for the count before saving
    page.get_by_role("button", name=re.compile("Count and sample")).click()

    # then the preview counts the three women
    page.wait_for_function("() => /\\d+ members/.test(document.querySelector('output').textContent)")
    assert page.locator("output").text_content().startswith("3 members")

    # and saving stores the tree the dropdowns built
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/segments/segment/$"))
    rules = Segment.objects.get(name="Women").rules
    leaf = rules["children"][0]
    assert rules["op"] == "and"
    assert (leaf["type"], leaf["field"], leaf["op"], leaf["value"]) == ("member_field", "gender", "eq", "f")
