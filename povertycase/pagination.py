from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    """Keyset pagination: a page costs the same on page 1 and page 10,000, and no page counts
    the table. Views name their order with `cursor_ordering` (unique, indexed fields)."""

    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "cursor_ordering", self.ordering)
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        descriptions = {
            "next": _("The URL of the next page, null on the last: its `cursor` query parameter (and the other "
                      "parameters of this request) ask for it."),
            "previous": _("The URL of the previous page, null on the first: its `cursor` query parameter (and the "
                          "other parameters of this request) ask for it."),
        }
        for name, description in descriptions.items():
            page["properties"][name].update(
                example="https://povertycase.example.vn/api/v1/households/?cursor=cD0yMDI1LTAxLTAx&page_size=50",
                description=str(description))
        page["required"] = ["next", "previous", "results"]
        return page

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = str(_(
                    "Which page: the `cursor` of the `next` or `previous` URL of the page before. Leave it out "
                    "for the first page."))
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = str(
                    _("Rows per page, 1 to %(max)d (default %(default)d).")
                    % {"max": self.max_page_size, "default": self.page_size}
                )
        return parameters
