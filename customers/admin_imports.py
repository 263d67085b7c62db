"""The admin's import pages: pick a kind, upload CSV or XLSX, check the first rows and map the file's headers
to known columns, start it in the background, watch the progress, download the bad rows; and the history.

Views only call customers.importing.jobs; an "Import" link on each imported model's change list (ImportLinksMixin,
also used by loyalty's admin) leads here.
"""
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .importing.jobs import ImportJobError, import_job_preview, import_job_progress, import_job_start, import_job_upload
from .importing.kinds import import_kind, import_kinds
from .importing.upload import IGNORE
from .models import ImportJob


class ImportLinksMixin:
    """Adds "Import" links (one per kind in `import_kinds`) to a model admin's change list."""

    import_kinds: list[str] = []
    change_list_template = "admin/customers/import_links_change_list.html"

    def changelist_view(self, request, extra_context=None):
        links = [{"url": reverse("admin:customers_importjob_upload", args=[slug]), "label": import_kind(slug).label}
                 for slug in self.import_kinds] if request.user.has_perm("customers.add_importjob") else []
        return super().changelist_view(request, extra_context={**(extra_context or {}), "import_links": links})


class ImportKindFilter(admin.SimpleListFilter):
    title = gettext_lazy("Kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.slug, kind.label) for kind in import_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind_label", "file_name", "status", "rows_done", "rejected", "created_by"]
    list_display_links = ["created_at", "file_name"]
    list_filter = ["status", ImportKindFilter]
    search_fields = ["file_name"]
    change_list_template = "admin/customers/importjob/change_list.html"

    @admin.display(description=gettext_lazy("Kind"), ordering="kind")
    def kind_label(self, job):
        try:
            return import_kind(job.kind).label
        except KeyError:
            return job.kind

    def has_change_permission(self, request, obj=None):
        return False  # a job changes only by running

    def has_add_permission(self, request):
        return request.user.has_perm("customers.add_importjob")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("new/", view(self.kinds_view), name="customers_importjob_new"),
            path("new/<slug:kind>/", view(self.upload_view), name="customers_importjob_upload"),
            path("<int:job_id>/map/", view(self.map_view), name="customers_importjob_map"),
            path("<int:job_id>/progress/", view(self.progress_view), name="customers_importjob_progress"),
            path("<int:job_id>/progress.json", view(self.progress_json_view), name="customers_importjob_progress_json"),
            path("<int:job_id>/bad-rows.csv", view(self.errors_view), name="customers_importjob_errors"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return self.kinds_view(request)  # adding an import starts with choosing its kind

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:customers_importjob_progress", args=[object_id]))

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def _job(self, request, job_id, *, start=False) -> ImportJob:
        allowed = self.has_add_permission(request) if start else self.has_view_permission(request)
        if not allowed:
            raise PermissionDenied
        return get_object_or_404(ImportJob, pk=job_id)

    def kinds_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return TemplateResponse(request, "admin/customers/importjob/kinds.html",
                                self._context(request, _("Add %s") % self.model._meta.verbose_name,
                                              kinds=import_kinds()))

    def upload_view(self, request, kind):
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            chosen = import_kind(kind)
        except KeyError:
            raise Http404 from None
        problems = []
        if request.method == "POST":
            uploaded = request.FILES.get("file")
            if uploaded is None:
                problems = [_("Choose a file to upload.")]
            else:
                try:
                    job = import_job_upload(kind=kind, uploaded_file=uploaded, user=request.user)
                except ImportJobError as exc:
                    problems = exc.problems
                else:
                    return HttpResponseRedirect(reverse("admin:customers_importjob_map", args=[job.pk]))
        importer = chosen.build(source_name="")
        return TemplateResponse(request, "admin/customers/importjob/upload.html", self._context(
            request, _("Import: %(kind)s") % {"kind": chosen.label}, kind=chosen, problems=problems,
            columns=list(importer.schema.columns.values()),
        ), status=400 if problems else 200)

    def map_view(self, request, job_id):
        job = self._job(request, job_id, start=True)
        if job.status != ImportJob.Status.DRAFT:
            return HttpResponseRedirect(reverse("admin:customers_importjob_progress", args=[job.pk]))
        mapping, problems = None, []
        if request.method == "POST":
            mapping = {name[len("map:"):]: value for name, value in request.POST.items() if name.startswith("map:")}
            if "start" in request.POST:
                try:
                    import_job_start(job_id=job.pk, mapping=mapping)
                except ImportJobError as exc:
                    problems = exc.problems
                else:
                    messages.success(request, _("The import has started in the background."))
                    return HttpResponseRedirect(reverse("admin:customers_importjob_progress", args=[job.pk]))
        preview = import_job_preview(job, mapping=mapping)
        return TemplateResponse(request, "admin/customers/importjob/map.html", self._context(
            request, _("Check the columns: %(file)s") % {"file": job.file_name}, job=job, preview=preview,
            kind=import_kind(job.kind), ignore=IGNORE, problems=problems or preview.problems,
            columns=[{"name": name, "target": preview.mapping.get(name, IGNORE)} for name in preview.header],
        ), status=400 if problems else 200)

    def progress_view(self, request, job_id):
        job = self._job(request, job_id)
        return TemplateResponse(request, "admin/customers/importjob/progress.html", self._context(
            request, _("Import: %(file)s") % {"file": job.file_name}, job=job, progress=import_job_progress(job),
            kind_label=self.kind_label(job), rows_template_json=json.dumps(_("%(done)s of %(total)s rows read")),
        ))

    def progress_json_view(self, request, job_id):
        return JsonResponse(import_job_progress(self._job(request, job_id)))

    def errors_view(self, request, job_id):
        job = self._job(request, job_id)
        if not job.errors_file:
            raise Http404
        return FileResponse(job.errors_file.open("rb"), as_attachment=True, content_type="text/csv",
                            filename=f"{job.file_name.rsplit('.', 1)[0]}-bad-rows.csv")
