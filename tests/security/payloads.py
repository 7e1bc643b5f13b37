"""Hostile strings the security sweep stores through the real services, and how they must come back."""

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
HOSTILE = (SCRIPT, ATTRIBUTE)

RAW_TAGS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
# The escaped tags (without the leading quote, which JSON displays escape differently from HTML text).
ESCAPED_TAGS = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")

FORMULAS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")


def assert_escaped(html: str, where: str) -> None:
    """No hostile tag survives raw, and at least one arrives escaped (so the value really is on the page)."""
    for tag in RAW_TAGS:
        assert tag not in html, f"{where}: raw {tag!r} in the page"
    assert any(tag in html for tag in ESCAPED_TAGS), f"{where}: the hostile value is not shown at all"
