from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

national_id_validator = RegexValidator(
    r"^\d{12}$", _("A national ID (CCCD) is exactly 12 digits.")
)
household_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
    _("Use letters, digits and . _ / - only, starting with a letter or digit."),
)
