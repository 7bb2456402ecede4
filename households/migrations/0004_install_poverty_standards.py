"""Installs the two national multidimensional poverty standards. Later corrections are data
changes through the API or admin, not code."""

from django.db import migrations

# Decree 07/2021/NĐ-CP Art. 3, as amended by Decree 30/2025/NĐ-CP: 12 indicators, 6 dimensions.
INDICATORS_2022 = [
    ("employment", "employment", "Việc làm", "Employment"),
    ("dependants", "employment", "Người phụ thuộc trong hộ gia đình", "Dependants in the household"),
    ("nutrition", "health", "Dinh dưỡng", "Nutrition"),
    ("health_insurance", "health", "Bảo hiểm y tế", "Health insurance"),
    ("adult_education", "education", "Trình độ giáo dục của người lớn", "Adult education"),
    ("child_schooling", "education", "Tình trạng đi học của trẻ em", "School attendance of children"),
    ("housing_quality", "housing", "Chất lượng nhà ở", "Housing quality"),
    ("housing_area", "housing", "Diện tích nhà ở bình quân đầu người", "Housing area per person"),
    ("water", "water_sanitation", "Nguồn nước sinh hoạt", "Domestic water source"),
    ("latrine", "water_sanitation", "Nhà tiêu hợp vệ sinh", "Hygienic latrine"),
    ("telecom", "information", "Sử dụng dịch vụ viễn thông", "Use of telecommunication services"),
    ("info_devices", "information", "Phương tiện phục vụ tiếp cận thông tin", "Means of access to information"),
]
# Decree 351/2025/NĐ-CP: information devices removed; digital services and household waste
# treatment added. The exact list is not yet confirmed: the standard is marked provisional.
INDICATORS_2027 = [i for i in INDICATORS_2022 if i[0] not in ("telecom", "info_devices")] + [
    ("digital_services", "information", "Sử dụng dịch vụ số, tiếp cận internet", "Use of digital services and internet access"),
    ("waste_treatment", "water_sanitation", "Xử lý rác thải sinh hoạt", "Household waste treatment"),
]
STANDARDS = [
    {
        "code": "VN-2022-2025",
        "name": "Chuẩn nghèo đa chiều giai đoạn 2022–2025",
        "legal_basis": "Nghị định 07/2021/NĐ-CP, sửa đổi bởi Nghị định 30/2025/NĐ-CP",
        "first_year": 2022, "last_year": 2026,
        "rural_line": 1_500_000, "urban_line": 2_000_000,
        "rural_ceiling": 2_250_000, "urban_ceiling": 3_000_000,
        "provisional": False, "indicators": INDICATORS_2022,
    },
    {
        "code": "VN-2027-2030",
        "name": "Chuẩn nghèo đa chiều giai đoạn 2027–2030",
        "legal_basis": "Nghị định 351/2025/NĐ-CP",
        "first_year": 2027, "last_year": 2030,
        "rural_line": 2_200_000, "urban_line": 2_800_000,
        "rural_ceiling": None, "urban_ceiling": None,
        "provisional": True, "indicators": INDICATORS_2027,
    },
]


def install(apps, schema_editor):
    PovertyStandard = apps.get_model("households", "PovertyStandard")
    Indicator = apps.get_model("households", "Indicator")
    for data in STANDARDS:
        data = dict(data)
        indicators = data.pop("indicators")
        standard, _ = PovertyStandard.objects.update_or_create(code=data.pop("code"), defaults=data)
        for position, (code, dimension, name_vi, name_en) in enumerate(indicators):
            Indicator.objects.update_or_create(
                standard=standard, code=code,
                defaults={"dimension": dimension, "name_vi": name_vi, "name_en": name_en, "position": position},
            )


def uninstall(apps, schema_editor):
    apps.get_model("households", "PovertyStandard").objects.filter(
        code__in=[s["code"] for s in STANDARDS], reviews__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("households", "0003_poverty_reviews")]

    operations = [migrations.RunPython(install, uninstall)]
