import json

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """JSON that the database can store: Python's json accepts lone UTF-16 surrogates
    (`"\\ud800"`), which no UTF-8 database column can hold."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError(_("JSON parse error - the text is not valid Unicode."))
        return data
