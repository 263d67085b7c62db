"""An import from the admin in a real browser, in Russian: upload a file whose id column has the shop's own name,
map it, start it, watch the progress bar end and download the bad rows."""
import csv
import io

import pytest

from customers import tasks
from customers.importing.jobs import import_job_run
from customers.models import ImportJob, Member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP_EXPORT = (
    "Код клиента;Телефон;Имя;registered_at;consent:email\n"
    "K1;8 (999) 000-11-22;Анна;01.02.2024;да\n"
    "K2;не телефон;Борис;01.02.2024;нет\n"
    "K3;+7 999 000 33 44;Вера;01.02.2024 10:30;\n"
)


def test_staff_import_members_with_a_renamed_header_from_the_admin(page_factory, admin_user, artifacts, settings,
                                                                    tmp_path, monkeypatch):
    # given a shop's export in cp1251 and a worker we run ourselves when the page queues the job
    settings.IMPORT_FILES_DIR = tmp_path / "imports"
    queued = []
    monkeypatch.setattr(tasks.import_job_run_task, "delay", queued.append)
    upload = tmp_path / "клиенты.csv"
    upload.write_bytes(SHOP_EXPORT.encode("cp1251"))
    page = page_factory(width=1280, height=900)
    page.goto("/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")

    # when staff follow "Импорт" from the members list and upload the file
    page.goto("/admin/customers/member/")
    page.click("a.import-link")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Загрузить и проверить").click()

    # then they see the first rows, and the id and phone columns wait to be mapped
    assert page.locator("#import-preview tbody tr").count() == 3
    assert "8 (999) 000-11-22" in page.locator("#import-preview").inner_text()
    assert "external_id" in page.locator(".import-problems").inner_text()
    page.screenshot(path=str(artifacts / "admin_import_map.png"), full_page=True)

    # when they map "Код клиента", "Телефон" and "Имя" and start
    page.get_by_label("Код клиента").select_option("external_id")
    page.get_by_label("Телефон").select_option("phone")
    page.get_by_label("Имя").select_option("first_name")
    page.get_by_role("button", name="Начать импорт").click()
    page.wait_for_url("**/progress/")
    assert queued == [ImportJob.objects.get().pk]
    import_job_run(job_id=queued[0])

    # then the bar reaches the end without a reload and the counts show
    page.wait_for_function("() => document.getElementById('import-job').dataset.finished === '1'")
    assert page.locator("#import-bar").evaluate("bar => bar.value") == 100
    assert page.locator("[data-count=created]").inner_text() == "2"
    assert page.locator("[data-count=rejected]").inner_text() == "1"
    page.screenshot(path=str(artifacts / "admin_import_progress.png"), full_page=True)

    # and the bad-rows report downloads, naming the file's own column
    with page.expect_download() as download:
        page.click("#import-errors a")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[1][:3] == ["3", "Телефон", "не телефон"]
    assert dict(Member.objects.values_list("external_id", "first_name")) == {"K1": "Анна", "K3": "Вера"}
    assert Member.objects.get(external_id="K1").email_consent is True

    # and the history lists the job
    page.goto("/admin/customers/importjob/")
    assert "клиенты.csv" in page.locator("#result_list").inner_text()
    page.screenshot(path=str(artifacts / "admin_import_history.png"), full_page=True)
