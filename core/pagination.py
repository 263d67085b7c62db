"""Page-number pagination whose query parameters are checked like any other input.

DRF answers a `page` that is not a number with a 404 and silently ignores a bad `page_size`; here both are a
400 with the field, as the schema's `integer` promises. A page past the end stays a 404.
"""
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, serializers


class ApiPageNumberPagination(pagination.PageNumberPagination):
    def _positive_int(self, request, name):
        raw = request.query_params.get(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or value > 2**31:
            raise serializers.ValidationError({name: [str(_("A whole number of at least 1."))]})
        return value

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return raw
        self._positive_int(request, self.page_query_param)
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        if self.page_size_query_param:
            self._positive_int(request, self.page_size_query_param)
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["schema"]["maximum"] = 2**31
        return parameters
