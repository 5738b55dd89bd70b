"""The report printed to PDF by headless Chromium (levekar.render.pdf): A4, nothing cut off.

The PDF's text is read with a few lines of zlib and regular expressions (Chromium writes
Identity-H fonts with ToUnicode maps), so no PDF library is needed.
"""

import os
import re
import zlib

import pytest

from levekar.render.pdf import find_chromium, html_to_pdf


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    raw = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
    return zlib.decompressobj().decompress(raw) if b"/FlateDecode" in head else raw


def _cmap(text: bytes) -> dict[int, str]:
    out = {}

    def uni(h):
        return bytes.fromhex(h.decode()).decode("utf-16-be")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = uni(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for a, b, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                out[code] = chr(start + i)
    return out


def pdf_text(data: bytes) -> tuple[str, int]:
    """Return the text of a Chromium PDF (runs of glyphs, a newline per text block) and pages."""
    objs = {int(n): b for n, b in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}
    fonts = {}
    for body in objs.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            m = re.search(rb"/ToUnicode (\d+) 0 R", objs.get(int(ref), b""))
            if m:
                fonts[name] = _cmap(_stream(objs[int(m.group(1))]))
    pages = [b for b in objs.values() if re.match(rb"<<\s*/Type /Page\b(?!s)", b)]
    out = []
    for page in pages:
        content = _stream(objs[int(re.search(rb"/Contents (\d+) 0 R", page).group(1))])
        cmap = {}
        for m in re.finditer(
            rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]*)> ?Tj|\[(.*?)\] ?TJ|\bET\b", content
        ):
            if m.group(1):
                cmap = fonts.get(m.group(1), {})
            elif m.group(0) == b"ET":
                out.append("\n")
            else:
                for h in re.findall(rb"<([0-9A-Fa-f]*)>", m.group(0)):
                    out.extend(cmap.get(int(h[i : i + 4], 16), "") for i in range(0, len(h), 4))
    return "".join(out), len(pages)


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI; .ci/run should install Debian's chromium")
        pytest.skip("no Chromium on this machine (install Debian's chromium package)")
    return path


def test_report_pdf_has_every_column_of_the_targets_table(demo_results, chromium, tmp_path):
    from levekar.publish import report_inputs
    from levekar.render.report import render_report

    page = render_report(report_inputs(demo_results), b"")  # text only: the tables
    html = tmp_path / "rapport.html"
    html.write_text(page, encoding="utf-8")
    pdf = html_to_pdf(html, tmp_path / "rapport.pdf", chromium=chromium)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # A4: 595 × 842 points.
    assert re.search(rb"/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]", data)
    text, n_pages = pdf_text(data)
    flat = "".join(text.split())
    thead = re.search(r'<table class="targets">\s*<thead>(.*?)</thead>', page, re.S).group(1)
    headers = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th.*?</th>", thead)]
    assert len(headers) >= 10 and "Status" in headers, headers
    for h in headers:
        assert "".join(h.split()) in flat, h
    # The synthetic banner on every page (a margin box of @page).
    assert flat.count("Syntetiskedemodata:ikkeektetall") == n_pages > 3


def test_a_clear_message_without_chromium(tmp_path, monkeypatch):
    from levekar.errors import ConfigError

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("LEVEKAR_CHROMIUM", raising=False)
    assert find_chromium() is None
    with pytest.raises(ConfigError, match="no Chromium was found.*apt install chromium"):
        html_to_pdf(tmp_path / "a.html", tmp_path / "a.pdf")


def test_a_run_without_chromium_goes_on_and_says_why(monkeypatch):
    import levekar.render.pdf
    from levekar.publish import _pdf_files

    monkeypatch.setattr(levekar.render.pdf, "find_chromium", lambda: None)
    said = []
    assert _pdf_files(None, {}, said.append) == {}
    assert said and said[0].startswith("Ingen PDF: [output] pdf = true, but no Chromium")
