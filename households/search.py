import unicodedata


def fold(text: str) -> str:
    """Lowercase ASCII without Vietnamese diacritics, spaces collapsed: `Nguyễn Văn Đặng` →
    `nguyen van dang`. `đ` is a letter of its own, not d plus a mark, so NFD leaves it alone."""
    text = text.replace("đ", "d").replace("Đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def search_terms(query: str, *, limit: int = 8) -> list[str]:
    """The words a search must all find, at most `limit` of them."""
    return fold(query).split()[:limit]
