"""Findings say where, what and the fix, one line each, and show as a table in Jupyter."""

from levekar.findings import Findings


def test_findings_show_as_an_escaped_table():
    f = Findings()
    assert repr(f) == "Findings(no findings)" and "no findings" in f._repr_html_()
    f.warn("unmatched_codes", "code <script>x</script> matches nothing", source="a.csv", row=3)
    f.warn("coverage_gap", "people outside", area="LS01", people=12.0, fix="draw the border")
    assert repr(f) == "Findings(2 warnings: unmatched_codes (1), coverage_gap (1))"
    table = f.frame()
    assert table["where"].tolist() == ["a.csv, line 3", "area LS01"]
    assert table["people"].iloc[1] == 12.0
    html = f._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "draw the border" in html and html.count("</tr>") == 3 and "None" not in html
