import json

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# No request of this API nests deeper than a handful of levels; serializers and the checks
# below recurse per level, so a deep document is refused before they see it.
MAX_DEPTH = 32


def _depth_exceeds(data, limit: int) -> bool:
    level = [data]
    for _depth in range(limit + 1):
        level = [v for item in level if isinstance(item, (dict, list))
                 for v in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return True


class StrictJSONParser(JSONParser):
    """JSON that the database can store: Python's json accepts lone UTF-16 surrogates
    (`"\\ud800"`), which no UTF-8 database column can hold."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's parser recurses once per level: `[[[[…` 100,000 deep exhausts the stack.
            raise exceptions.ParseError(_("JSON parse error - the document is nested too deeply."))
        if _depth_exceeds(data, MAX_DEPTH):
            raise exceptions.ParseError(
                _("JSON parse error - the document is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH})
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.ParseError(_("JSON parse error - the text is not valid Unicode."))
        return data
