"""Vietnamese is the users' language: every string the project writes for people has its
Vietnamese translation, the compiled catalogue that ships is the one its source compiles to,
and the service speaks Vietnamese unless asked for English."""

import ast
import re
from pathlib import Path

import polib
import pytest

from tests.factories import HouseholdFactory, member_data
from tests.programmes.helpers import approve

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES"
PACKAGES = ["povertycase", "households", "programmes"]
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
TEMPLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")


def _source_files(suffix):
    for package in PACKAGES:
        for path in (ROOT / package).rglob(f"*{suffix}"):
            if "migrations" not in path.parts:
                yield path


def source_strings() -> set[tuple[str | None, str]]:
    """(context, text) of every call of a gettext function with a literal, and of every
    {% translate %} in the templates: what makemessages extracts."""
    found = set()
    for path in _source_files(".py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in GETTEXT:
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name.startswith("pgettext") and len(texts) >= 2:
                found.add((texts[0], texts[1]))
            elif texts and not name.startswith("pgettext"):
                found.add((None, texts[0]))
    for path in _source_files(".html"):
        found.update((None, text) for _quote, text in TEMPLATE_TAG.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_extraction_finds_the_projects_strings():
    found = source_strings()
    assert (None, "This household is archived.") in found
    assert (None, "Not indicators of %(standard)s: %(codes)s. Its indicators are: %(known)s.") in found
    assert len(found) > 500


def test_every_string_has_a_vietnamese_translation():
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    translated = {(e.msgctxt, e.msgid) for e in catalogue if e.translated() and not e.obsolete}
    missing = sorted(source_strings() - translated, key=lambda s: s[1])
    assert not missing, f"{len(missing)} strings without a Vietnamese translation, e.g. {missing[:10]}"
    assert not [e.msgid for e in catalogue.fuzzy_entries()]


def test_the_compiled_catalogue_is_the_one_its_source_compiles_to():
    """A fresh machine needs no gettext tools: the .mo ships, and must not be older than the .po
    (compile it with `manage.py compilemessages` after every change)."""
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
              for e in polib.pofile(str(CATALOGUE / "django.po")) if e.translated()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
                for e in polib.mofile(str(CATALOGUE / "django.mo")) if e.msgid}
    assert compiled == source


@pytest.mark.django_db
class TestVietnameseByDefault:
    @pytest.fixture(autouse=True)
    def vietnamese(self, settings):
        settings.LANGUAGE_CODE = "vi"

    def test_messages_are_vietnamese_unless_english_is_asked_for(self, users, client_for):
        client = client_for(users["admin48"])
        body = {"area": "20194", "residence": "rural"}
        vietnamese = client.post("/api/v1/households/", body, format="json")
        english = client.post("/api/v1/households/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert vietnamese["Content-Language"] == "vi" and english["Content-Language"] == "en"
        assert english.data["residence"] == ["Phường Hải Châu is urban: its households are urban."]
        assert vietnamese.data["residence"][0] != english.data["residence"][0]
        assert "Phường Hải Châu" in vietnamese.data["residence"][0] and "thành thị" in vietnamese.data["residence"][0]

    def test_a_reviews_explanation_is_kept_in_vietnamese_with_vietnamese_money_and_indicator_names(
            self, users, areas, client_for):
        household = HouseholdFactory(area=areas["20641"], members=[member_data()])
        review = approve(household, year=2024, income=1_200_000, deprivations=("water", "latrine", "telecom"))
        assert "1.200.000 đ" in review.explanation and "1.500.000 đ" in review.explanation
        assert "Nguồn nước sinh hoạt" in review.explanation and "nghèo" in review.explanation
        read_in_english = client_for(users["officer"]).get(f"/api/v1/reviews/{review.pk}/", HTTP_ACCEPT_LANGUAGE="en")
        assert read_in_english.data["explanation"] == review.explanation  # the record, as the commune keeps it

    def test_classify_answers_in_the_callers_language(self, users, client_for):
        url = "/api/v1/poverty-standards/VN-2027-2030/classify/"
        body = {"income_per_capita": 2_000_000, "deprivations": ["waste_treatment"], "residence": "rural"}
        vietnamese = client_for(users["viewer"]).post(url, body, format="json").data["explanation"]
        english = client_for(users["viewer"]).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en").data
        assert "2.000.000 đ" in vietnamese and "Xử lý rác thải sinh hoạt" in vietnamese
        assert "2,000,000 VND" in english["explanation"] and "Household waste treatment" in english["explanation"]
