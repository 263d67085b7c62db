"""The admin's import pages: staff permission, upload → check and map → start → progress → bad rows."""
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.importing.jobs import import_job_run
from customers.models import ImportJob, Member

pytestmark = pytest.mark.django_db

FILE = "ID;phone;registered_at\nK1;8 999 000-11-22;01.02.2024\nK2;12;01.02.2024\n"


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.IMPORT_FILES_DIR = tmp_path / "imports"


def staff(client, *permissions):
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client.force_login(user)
    return user


def test_staff_upload_map_start_and_download_the_bad_rows(admin_client):
    # given the members' change list offers an import
    changelist = admin_client.get(reverse("admin:customers_member_changelist"))
    upload_url = reverse("admin:customers_importjob_upload", args=["members"])
    assert upload_url in changelist.content.decode()

    # when staff upload a file whose id column is called "ID"
    response = admin_client.post(upload_url, {"file": SimpleUploadedFile("members.csv", FILE.encode())})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:customers_importjob_map", args=[job.pk])

    # then the check page shows the first rows and refuses to start until "ID" is mapped
    page = admin_client.get(response.url)
    assert "8 999 000-11-22" in page.content.decode()
    refused = admin_client.post(response.url, {"map:ID": "", "map:phone": "phone", "map:registered_at": "registered_at",
                                               "start": "1"})
    assert refused.status_code == 400 and "external_id" in refused.content.decode()

    # and with "ID" mapped the job is queued, then run by the worker
    started = admin_client.post(response.url, {"map:ID": "external_id", "map:phone": "phone",
                                               "map:registered_at": "registered_at", "start": "1"})
    assert started.url == reverse("admin:customers_importjob_progress", args=[job.pk])
    assert ImportJob.objects.get().status == ImportJob.Status.PENDING
    import_job_run(job_id=job.pk)

    # then the progress view says it is finished and the bad-rows report downloads
    progress = admin_client.get(reverse("admin:customers_importjob_progress_json", args=[job.pk])).json()
    assert (progress["finished"], progress["created"], progress["rejected"], progress["percent"]) == (True, 1, 1, 100)
    report = admin_client.get(reverse("admin:customers_importjob_errors", args=[job.pk]))
    body = b"".join(report.streaming_content).decode("utf-8-sig")
    assert report["Content-Disposition"].startswith("attachment")
    assert body.splitlines()[1].startswith("3,phone,12,")
    assert Member.objects.get().external_id == "K1"
    assert "members.csv" in admin_client.get(reverse("admin:customers_importjob_changelist")).content.decode()


def test_staff_without_the_import_permission_cannot_upload_start_or_download(client):
    # given a staff member who may only view members
    staff(client, "view_member")

    # then there is no import link and every import page is refused
    assert b"importjob/new" not in client.get(reverse("admin:customers_member_changelist")).content
    upload = client.post(reverse("admin:customers_importjob_upload", args=["members"]),
                         {"file": SimpleUploadedFile("members.csv", FILE.encode())})
    assert upload.status_code == 403
    assert not ImportJob.objects.exists()
    job = ImportJob.objects.create(kind="members", file_name="x.csv")
    assert client.get(reverse("admin:customers_importjob_progress_json", args=[job.pk])).status_code == 403
    assert client.get(reverse("admin:customers_importjob_map", args=[job.pk])).status_code == 403


def test_an_unknown_kind_or_a_wrong_file_is_a_clear_answer(admin_client):
    assert admin_client.get(reverse("admin:customers_importjob_upload", args=["nope"])).status_code == 404
    wrong = admin_client.post(reverse("admin:customers_importjob_upload", args=["orders"]),
                              {"file": SimpleUploadedFile("orders.pdf", b"%PDF")})
    assert wrong.status_code == 400
    assert not ImportJob.objects.exists()


def test_every_kind_is_offered_and_linked_from_its_change_list(admin_client):
    page = admin_client.get(reverse("admin:customers_importjob_new")).content.decode()
    for kind in ["members", "engagement", "orders", "order_lines", "points", "tiers", "products"]:
        assert reverse("admin:customers_importjob_upload", args=[kind]) in page
    orders = admin_client.get(reverse("admin:loyalty_order_changelist")).content.decode()
    assert reverse("admin:customers_importjob_upload", args=["order_lines"]) in orders
    products = admin_client.get(reverse("admin:loyalty_product_changelist")).content.decode()
    assert reverse("admin:customers_importjob_upload", args=["products"]) in products
