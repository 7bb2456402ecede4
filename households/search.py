import re
import unicodedata


def fold(text: str) -> str:
    """Lowercase ASCII without Vietnamese diacritics, spaces collapsed: `Nguyễn Văn Đặng` →
    `nguyen van dang`. `đ` is a letter of its own, not d plus a mark, so NFD leaves it alone."""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def within_one_name(terms: list[str]) -> str:
    """A regular expression that finds every term inside one `|`-separated part of a
    household's search text (its code, or one member's name): `ho thi thao` finds Hồ Thị Thảo,
    not a household of Hồ Văn Hùng and Bùi Ngọc Thảo. Lookaheads, in any order; both
    PostgreSQL (served by the trigram index) and SQLite (Python's re) read them."""
    return "(^|[|])" + "".join(f"(?=[^|]*{re.escape(term)})" for term in terms)


def search_terms(query: str, *, limit: int = 8) -> list[str]:
    """The words a search must all find, at most `limit` of them."""
    return fold(query).split()[:limit]
