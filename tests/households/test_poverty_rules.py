"""Every boundary of both standards and every transition, table-driven, against the standards
the data migration installs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from households.models import PovertyStandard
from households.poverty import poverty_class_for, transition_for, transitions_for

R, U = "rural", "urban"

# (standard, residence, income, deprivations, class)
BOUNDARIES = [
    # VN-2022-2025: lines 1,500,000 / 2,000,000; ceilings 2,250,000 / 3,000,000
    ("VN-2022-2025", R, 1_499_999, 3, "poor"),
    ("VN-2022-2025", R, 1_500_000, 3, "poor"),
    ("VN-2022-2025", R, 1_500_000, 2, "near_poor"),
    ("VN-2022-2025", R, 1_499_999, 2, "near_poor"),
    ("VN-2022-2025", R, 0, 12, "poor"),
    ("VN-2022-2025", R, 0, 0, "near_poor"),
    ("VN-2022-2025", R, 1_500_001, 3, "average_living"),
    ("VN-2022-2025", R, 1_500_001, 12, "average_living"),
    ("VN-2022-2025", R, 2_249_999, 0, "average_living"),
    ("VN-2022-2025", R, 2_250_000, 5, "average_living"),
    ("VN-2022-2025", R, 2_250_001, 5, "non_poor"),
    ("VN-2022-2025", U, 1_999_999, 3, "poor"),
    ("VN-2022-2025", U, 2_000_000, 3, "poor"),
    ("VN-2022-2025", U, 2_000_000, 2, "near_poor"),
    ("VN-2022-2025", U, 2_000_001, 3, "average_living"),
    ("VN-2022-2025", U, 2_999_999, 0, "average_living"),
    ("VN-2022-2025", U, 3_000_000, 0, "average_living"),
    ("VN-2022-2025", U, 3_000_001, 0, "non_poor"),
    # the same income, rural vs urban: the line differs
    ("VN-2022-2025", R, 1_800_000, 4, "average_living"),
    ("VN-2022-2025", U, 1_800_000, 4, "poor"),
    # VN-2027-2030: lines 2,200,000 / 2,800,000; no average-living ceiling yet
    ("VN-2027-2030", R, 2_199_999, 3, "poor"),
    ("VN-2027-2030", R, 2_200_000, 3, "poor"),
    ("VN-2027-2030", R, 2_200_000, 2, "near_poor"),
    ("VN-2027-2030", R, 2_200_001, 3, "non_poor"),
    ("VN-2027-2030", U, 2_799_999, 2, "near_poor"),
    ("VN-2027-2030", U, 2_800_000, 3, "poor"),
    ("VN-2027-2030", U, 2_800_000, 2, "near_poor"),
    ("VN-2027-2030", U, 2_800_001, 3, "non_poor"),
    ("VN-2027-2030", U, 2_500_000, 3, "poor"),
    ("VN-2027-2030", R, 2_500_000, 3, "non_poor"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "residence", "income", "count", "expected"), BOUNDARIES)
def test_classification_boundaries(code, residence, income, count, expected):
    standard = PovertyStandard.objects.get(code=code)
    poverty_class, explanation = poverty_class_for(
        income=income, deprivation_count=count, standard=standard, residence=residence
    )
    assert poverty_class == expected
    assert code in explanation


@pytest.mark.django_db
def test_explanation_names_the_deciding_rule():
    standard = PovertyStandard.objects.get(code="VN-2022-2025")
    _, poor = poverty_class_for(income=1_400_000, deprivation_count=3, standard=standard, residence=R)
    _, average = poverty_class_for(income=2_500_000, deprivation_count=0, standard=standard, residence=U)
    assert "1,400,000 VND" in poor and "rural poverty line of 1,500,000 VND" in poor
    assert "deprived on 3 indicators (3 or more make it poor)" in poor
    assert "urban poverty line of 2,000,000 VND" in average and "ceiling of 3,000,000 VND" in average


@pytest.mark.django_db
def test_installed_standards():
    old, new = PovertyStandard.objects.order_by("first_year")
    assert (old.code, old.first_year, old.last_year, old.provisional) == ("VN-2022-2025", 2022, 2026, False)
    assert (new.code, new.first_year, new.last_year, new.provisional) == ("VN-2027-2030", 2027, 2030, True)
    assert sorted(old.indicators.values_list("code", flat=True)) == sorted([
        "employment", "dependants", "nutrition", "health_insurance", "adult_education", "child_schooling",
        "housing_quality", "housing_area", "water", "latrine", "telecom", "info_devices"])
    assert "info_devices" not in set(new.indicators.values_list("code", flat=True))
    assert {"waste_treatment", "digital_services"} <= set(new.indicators.values_list("code", flat=True))


P, N, A, X = "poor", "near_poor", "average_living", "non_poor"
# (earlier classes, oldest first; current class; transition)
TRANSITIONS = [
    ([], P, "first_review"),
    ([], X, "first_review"),
    ([P], P, "remained_poor"),
    ([P], N, "escaped_to_near_poor"),
    ([P], A, "escaped_above_near_poor"),
    ([P], X, "escaped_above_near_poor"),
    ([N], P, "newly_poor"),
    ([A], P, "newly_poor"),
    ([X, N], P, "newly_poor"),
    ([P, N], P, "relapsed_poor"),
    ([P, X], P, "relapsed_poor"),
    ([P, A, X], P, "relapsed_poor"),
    ([N], N, "remained_near_poor"),
    ([P, N], N, "remained_near_poor"),
    ([N], A, "escaped_near_poverty"),
    ([N], X, "escaped_near_poverty"),
    ([X], N, "newly_near_poor"),
    ([A, X], N, "newly_near_poor"),
    ([N, X], N, "relapsed_near_poor"),
    ([P, A], N, "relapsed_near_poor"),
    ([A], X, "remained_non_poor"),
    ([X], A, "remained_non_poor"),
    ([X], X, "remained_non_poor"),
    ([P, X], X, "remained_non_poor"),
]


@pytest.mark.parametrize(("earlier", "current", "expected"), TRANSITIONS)
def test_every_transition(earlier, current, expected):
    assert transition_for(earlier, current) == expected


OLD, NEW = "VN-2022-2025", "VN-2027-2030"
# A household's chain of approved reviews as (class, standard), and the transitions it gets.
ACROSS_STANDARDS = [
    ([(P, OLD), (N, NEW)], ["first_review", "new_standard"]),
    ([(N, OLD), (P, NEW)], ["first_review", "new_standard"]),
    ([(P, OLD), (P, NEW), (N, NEW)], ["first_review", "new_standard", "escaped_to_near_poor"]),
    ([(P, OLD), (N, OLD), (P, NEW), (X, NEW), (P, NEW)],
     ["first_review", "escaped_to_near_poor", "new_standard", "escaped_above_near_poor", "relapsed_poor"]),
    # Poverty under the old standard is another baseline's: no relapse under the new one.
    ([(P, OLD), (X, NEW), (P, NEW)], ["first_review", "new_standard", "newly_poor"]),
    ([(X, NEW)], ["first_review"]),
]


@pytest.mark.parametrize(("chain", "expected"), ACROSS_STANDARDS)
def test_a_new_standard_is_a_new_baseline(chain, expected):
    assert transitions_for([c for c, _s in chain], [s for _c, s in chain]) == expected


def test_every_transition_code_is_covered():
    from households.models import Transition

    covered = {t[2] for t in TRANSITIONS} | {t for _chain, found in ACROSS_STANDARDS for t in found}
    assert covered == set(Transition.values)


RANK = {P: 0, N: 1, A: 2, X: 2}


@given(st.lists(st.sampled_from([P, N, A, X]), min_size=1, max_size=8))
def test_transitions_agree_with_the_chain(classes):
    """Escaping means moving up out of poverty or near-poverty; `newly` means never this low
    before; `relapsed` means this low at some earlier review."""
    transitions = transitions_for(classes)
    assert transitions[0] == "first_review"
    for i in range(1, len(classes)):
        previous, current, transition = classes[i - 1], classes[i], transitions[i]
        assert transition.startswith("escaped") == (previous in (P, N) and RANK[current] > RANK[previous])
        been_this_low = any(RANK[c] <= RANK[current] for c in classes[:i])
        if transition.startswith("newly"):
            assert not been_this_low
        if transition.startswith("relapsed"):
            assert been_this_low and RANK[current] < RANK[previous]
