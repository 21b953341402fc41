"""Injection payloads (OWASP XSS filter-evasion shapes) through every way content reaches a page.

Each payload goes, in one small site, into the Markdown body of every content kind (as a block, inline,
as a link and an image target), every free-text field of every kind and the text fields of site.yaml.
The build must succeed with the payload shown as plain text, and a parse of every output file must find:
no `<script>` the theme did not put there (theme scripts are JSON-LD blocks and files of the theme's
static folder), no `on*` attribute, no `javascript:`/`vbscript:`/`data:` URL in a URL attribute, JSON-LD
that parses and holds the payload as plain text, and feeds/sitemap that parse as XML.
Payloads in URL-typed fields (marketplace, social media, source links, e-mail, WhatsApp) must be refused
with a clean error instead.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from sitetools import build_site, make_site

REPO = Path(__file__).resolve().parent.parent
THEME_STATIC = REPO / "themes" / "default" / "static"
BASE_URL = "https://contoh.github.io/uji/"
KEL = "content/kelurahan/purwantoro"

# -- the payloads ------------------------------------------------------------------------------------------
PAYLOADS: list[str] = [
    # plain script elements and breakouts
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/x.js></SCRIPT>",
    "<script src=//xss.example/x.js></script>",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</sCrIpT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<SCRIPT/XSS SRC=\"https://xss.example/x.js\"></SCRIPT>",
    "<SCRIPT/SRC=\"https://xss.example/x.js\"></SCRIPT>",
    "<script\x0c>alert(1)</script>",
    "<script\n>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "</SCRIPT ><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "--></script><script>alert(1)</script><!--",
    "<!--<script>alert(1)</script>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version=\"1.0\"?><script>alert(1)</script>",
    "\u2028</script>\u2029<script>alert(1)</script>",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<script type=\"application/ld+json\">{\"@type\":\"x\"}</script>",
    "<script type=module>import('//xss.example/x.js')</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<img src=x onerror=\"alert(1)\"//",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror\x0b=alert(1)>",
    "<img src=`x`onerror=alert(1)>",
    "<img \"\"\"><script>alert(1)</script>\">",
    "<body onload=alert(1)>",
    "<BODY ONLOAD=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    "<keygen onfocus=alert(1) autofocus>",
    "<video><source onerror=\"alert(1)\">",
    "<audio src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<div onmouseover=\"alert(1)\">arahkan</div>",
    "<a onmouseover=alert(1)>x</a>",
    "<p style=\"x:expression(alert(1))\" onclick=alert(1)>x</p>",
    "<span title=\"x\" onpointerenter=alert(1)>x</span>",
    "<table background=\"javascript:alert(1)\" onclick=alert(1)>",
    "<td onclick=alert(1)>x</td>",
    "<h2 onclick=alert(1)>Judul</h2>",
    "<img src=\"x\" alt=\"\" onerror=\"alert(1)\">",
    # attribute breakouts with quotes
    "\"><script>alert(1)</script>",
    "'><script>alert(1)</script>",
    "\" onmouseover=\"alert(1)",
    "' onmouseover='alert(1)",
    "\" autofocus onfocus=\"alert(1)",
    "\"/><svg onload=alert(1)>",
    "`\"'><img src=x onerror=alert(1)>",
    "x\" style=\"background:url(javascript:alert(1))",
    "</a><a href=\"javascript:alert(1)\">x</a>",
    "\";alert(1);//",
    "';alert(1);//",
    "\\\";alert(1);//",
    "{{ 7*7 }}{% raw %}",
    "{{ config.__class__ }}",
    # javascript: URLs with entity, whitespace and case tricks
    "<a href=\"javascript:alert(1)\">klik</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">klik</a>",
    "<a href=\" javascript:alert(1)\">klik</a>",
    "<a href=\"jav\tascript:alert(1)\">klik</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">klik</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">klik</a>",
    "<a href=\"jav&#x0D;ascript:alert(1)\">klik</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">klik</a>",
    "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058"
    "alert(1)\">klik</a>",
    "<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)\">klik</a>",
    "<a href=\"javascript&colon;alert(1)\">klik</a>",
    "<a href=\"&#14;  javascript:alert(1)\">klik</a>",
    "<a href=\"\x01javascript:alert(1)\">klik</a>",
    "<a href=javascript:alert(1)>klik</a>",
    "<a href=\"java\u0000script:alert(1)\">klik</a>",
    "<IMG SRC=\"javascript:alert(1);\">",
    "<IMG SRC=javascript:alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=`javascript:alert(1)`>",
    "<IMG SRC=\"jav&#x09;ascript:alert(1);\">",
    "<IMG SRC=\" &#14;  javascript:alert(1);\">",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "javascript:alert(1)",
    " JAVASCRIPT:alert(1)",
    # data: and vbscript:
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">klik</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">klik</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "<a href=\"vbscript:msgbox(1)\">klik</a>",
    "<a href=\"VBScript:msgbox(1)\">klik</a>",
    "<IMG SRC='vbscript:msgbox(1)'>",
    "<a href=\"livescript:alert(1)\">klik</a>",
    "<a href=\"file:///etc/passwd\">klik</a>",
    # svg and math tricks
    "<svg><script>alert(1)</script></svg>",
    "<svg><script xlink:href=\"data:,alert(1)\"></script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">XSS</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=\"href\" to=\"javascript:alert(1)\"/></svg>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=\"javascript:alert(1)\">CLICKME</math>",
    "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:alert(1)\">x</maction></math>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    # Markdown links and images with dangerous URLs
    "[klik](javascript:alert(1))",
    "[klik](JAVASCRIPT:alert(1))",
    "[klik]( javascript:alert(1) )",
    "[klik](<javascript:alert(1)>)",
    "[klik](javascript&#58;alert(1))",
    "[klik](&#x6A;avascript:alert(1))",
    "[klik](java\\script:alert(1))",
    "[klik](vbscript:msgbox(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![gambar](javascript:alert(1))",
    "![gambar](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x\"onerror=\"alert(1)](x.png)",
    "[x](https://contoh.id \"judul\" onclick=\"alert(1)\")",
    "[klik][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[a](javascript:alert(1)){: onclick=\"alert(1)\" }",
    "Teks {: onmouseover=\"alert(1)\" }",
    "# Judul {: onclick=alert(1) }",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<div markdown=\"1\"><script>alert(1)</script></div>",
    # HTML comment and unicode tricks
    "<!--><script>alert(1)</script>-->",
    "<!----><script>alert(1)</script><!---->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<\u0000script>alert(1)</script>",
    "<scr\u0131pt>alert(1)</scr\u0131pt>",
    "<\u017fcript>alert(1)</\u017fcript>",
    "\ufeff<script>alert(1)</script>",
    "\u202e>tpircs/<)1(trela>tpircs<",
    "jav\u200bascript:alert(1)",
    "<a href=\"jav\u200bascript:alert(1)\">klik</a>",
    "<style>@import 'javascript:alert(1)';</style>",
    "<div style=\"background-image:url(javascript:alert(1))\">x</div>",
    "<div style=\"width: expression(alert(1));\">x</div>",
    "<x contenteditable onblur=alert(1)>lose focus!",
]

# URL-typed fields: each must refuse a dangerous value with a clean error (never render it).
URL_FIELD_PAYLOADS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "jav\tascript:alert(1)",
    "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=", "https://shopee.co.id/\"><script>alert(1)</script>",
    "https://shopee.co.id/' onmouseover='alert(1)", "//xss.example/x.js", "file:///etc/passwd",
]

FIELD_LIMIT = 40  # the shortest free-text field (produk.satuan); longer payloads are cut to fit each field
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
URL_ATTRS = ("href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset",
             "cite", "longdesc", "manifest", "content")
DANGEROUS = ("javascript:", "vbscript:", "data:", "livescript:")


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text` (every non-printable ASCII char escaped)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\"\\":
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def field_value(payload: str, limit: int) -> str:
    """What a free-text field gets: the payload without the control characters fields refuse, cut to fit."""
    return CONTROL.sub("", payload)[:limit]


def body(payload: str) -> str:
    clean = payload.replace("\x00", "")
    return (f"Paragraf pembuka yang cukup panjang untuk deskripsi usaha ini, lebih dari lima puluh huruf.\n\n"
            f"{clean}\n\nSebaris teks dengan {clean} di tengahnya.\n\n- butir {clean}\n\n> kutipan {clean}\n")


GROUP = 8  # payloads per site: each gets its own kecamatan, kelurahan and pages; site.yaml holds all of them


def _page_files(i: int, payload: str, q) -> str:  # noqa: ANN001
    md_body = body(payload)
    kel = f"content/kelurahan/k{i}"
    return f"""
-- content/kecamatan/kecamatan-uji-{i}.md --
---
judul: {q()}
deskripsi: {q()}
---
{md_body}
-- {kel}/_index.md --
---
kode: "35.73.{10 + i}.2001"
nama_tampil: {q()}
alias: [{q()}]
deskripsi: {q()}
potensi: [{q()}]
kantor:
  alamat: {q()}
  jam_layanan: {q()}
kim:
  ada: true
  nama: {q()}
  ketua: {q()}
  sk:
    nomor: {q()}
  pengurus:
    - nama: {q()}
      jabatan: {q()}
---
{md_body}
-- {kel}/umkm/usaha.md --
---
nama: {q()}
kategori: oleh-oleh
kontak:
  whatsapp: "0812-3456-7890"
diperbarui: 2026-10-01
pemilik: {q()}
alamat: {q()}
catatan_jam: {q()}
foto:
  - src: foto.png
    alt: {q()}
produk:
  - nama: {q()}
    harga: 15000
    satuan: {q()}
---
{md_body}
-- {kel}/umkm/foto.png --
<png>
-- {kel}/berita/2026-11-01-rapat.md --
---
judul: {q()}
tanggal: 2026-11-01
penulis: {q()}
ringkasan: {q()}
kategori: kegiatan
tag: [{q()}]
umkm_terkait: [usaha]
---
{md_body}
-- {kel}/agenda/2026-12-01-senam.md --
---
judul: {q()}
mulai: 2026-12-01 06:00
lokasi:
  nama: {q()}
  alamat: {q()}
penyelenggara: {q()}
---
{md_body}
-- {kel}/halaman/sejarah.md --
---
judul: {q()}
---
{md_body}
-- content/halaman/tentang-{i}.md --
---
judul: {q()}
menu: true
---
{md_body}
"""


def spec_for(payloads: list[str]) -> str:
    """One site for a group of payloads; payload i lives in kecamatan-uji-i, kelurahan k{i} and tentang-{i}."""
    def quoted(payload: str):  # noqa: ANN202
        return lambda limit=FIELD_LIMIT: yaml_quote(field_value(payload, limit))

    joined = yaml_quote(" ".join(field_value(p, FIELD_LIMIT) for p in payloads))
    rows = "".join(f"35.73.{10 + i}.2001,Kecamatan Uji {i},Kelurahan Uji {i}\n" for i in range(len(payloads)))
    spec = f"""
-- site.yaml --
nama: {joined}
url: {BASE_URL}
deskripsi: {joined}
kota: {joined}
provinsi: {joined}
pengelola:
  nama: {joined}
  jenis: kim
kategori_umkm:
  - slug: oleh-oleh
    nama: {joined}
  - slug: kuliner
    nama: {joined}
-- data/wilayah.csv --
kode,kecamatan,kelurahan
35.73.01.1007,Blimbing,Purwantoro
{rows}"""
    return spec + "".join(_page_files(i, p, quoted(p)) for i, p in enumerate(payloads))


def _theme_scripts() -> set[str]:
    return {p.relative_to(THEME_STATIC).as_posix() for p in THEME_STATIC.rglob("*.js")}


def _compact(value: str) -> str:
    """What a browser sees as the scheme: whitespace and control characters dropped, lowercased."""
    return re.sub(r"[\x00-\x20\x7f-\x9f\u200b\ufeff]", "", value).lower()


def check_output(out: Path, files: list[Path]) -> dict[str, int]:
    """Assert the safety properties on `files` of the output; returns counts of what was checked."""
    theme_js = _theme_scripts()
    counts = {"html": 0, "jsonld": 0, "xml": 0}
    for path in (f for f in files if f.suffix == ".html"):
        rel = path.relative_to(out).as_posix()
        page_url = urljoin(BASE_URL, rel)
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        counts["html"] += 1
        for script in soup.find_all("script"):
            if script.get("type") == "application/ld+json":
                assert not script.get("src"), rel
                data = json.loads(script.string or "")
                assert isinstance(data, (dict, list)), rel
                counts["jsonld"] += 1
                continue
            src = script.get("src")
            assert src, f"{rel}: inline script the theme did not write: {str(script)[:200]}"
            target = urljoin(page_url, src)
            assert target.startswith(BASE_URL), f"{rel}: script from elsewhere: {src}"
            assert urlsplit(target).path[len(urlsplit(BASE_URL).path):] in theme_js, f"{rel}: foreign script {src}"
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), f"{rel}: <{tag.name} {name}=…>"
                if name.lower() in URL_ATTRS:
                    values = value if isinstance(value, list) else [value]
                    for item in values:
                        compact = _compact(str(item))
                        if name.lower() == "content":  # <meta http-equiv=refresh content="0;url=…">
                            compact = compact.split("url=", 1)[-1] if "url=" in compact else ""
                        assert not compact.startswith(DANGEROUS), f"{rel}: <{tag.name} {name}={item[:80]!r}>"
            if tag.name in ("iframe", "object", "embed", "base", "frame", "applet"):
                raise AssertionError(f"{rel}: <{tag.name}> in the output")
    for path in (f for f in files if f.suffix == ".xml"):
        ET.fromstring(path.read_bytes())
        counts["xml"] += 1
    for path in (f for f in files if f.suffix == ".json"):
        json.loads(path.read_text(encoding="utf-8"))
    return counts


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


def _own_files(out: Path, i: int) -> list[Path]:
    """The pages of payload i plus the pages every payload of its group shares (home, lists, feeds)."""
    own = [out / f"kelurahan/k{i}", out / f"kecamatan/kecamatan-uji-{i}", out / f"tentang-{i}"]
    shared = [p for p in out.rglob("*") if p.is_file() and not any(
        p.relative_to(out).as_posix().startswith(prefix) for prefix in ("kelurahan/k", "kecamatan/", "tentang-"))]
    return sorted([p for folder in own for p in folder.rglob("*") if p.is_file()] + shared)


_GROUPS: dict[int, tuple[Path, object]] = {}


def _group_build(index: int, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    group = index // GROUP
    if group not in _GROUPS:
        payloads = PAYLOADS[group * GROUP:(group + 1) * GROUP]
        site = make_site(tmp_path_factory.mktemp(f"group{group}"), spec_for(payloads))
        _GROUPS[group] = (site, build_site(site))
    return _GROUPS[group]


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=[f"p{i:03d}" for i in range(len(PAYLOADS))])
def test_payload_is_shown_as_text_and_never_runs(index: int, tmp_path_factory: pytest.TempPathFactory,
                                                 tmp_path: Path) -> None:
    payload = PAYLOADS[index]
    site, result = _group_build(index, tmp_path_factory)
    slot = index % GROUP
    if result.exit_code != 0:  # some payload of the group was refused: judge this one on its own
        site = make_site(tmp_path, spec_for([payload]))
        result = build_site(site)
        slot = 0
    assert "Traceback" not in result.output
    out = site / "build"
    if result.exit_code == 1:
        # Allowed only when Markdown read the payload as a link to a file of the site that does not exist
        # (`[x](java\\script:…)` has no scheme, so it is a relative path): refused, nothing written.
        errors = [line for line in result.lines() if ".md:" in line and "peringatan" not in line]
        assert errors and all("tidak ditemukan" in line for line in errors), result.output[-3000:]
        assert not out.exists()
        return
    assert result.exit_code == 0, result.output[-3000:]
    counts = check_output(out, _own_files(out, slot))
    assert counts["html"] > 10 and counts["jsonld"] > 0 and counts["xml"] >= 3

    expected = field_value(payload, FIELD_LIMIT).strip()
    soup = BeautifulSoup((out / f"kelurahan/k{slot}/umkm/usaha/index.html").read_text(encoding="utf-8"),
                         "html.parser")
    if expected:
        assert soup.h1 is not None and soup.h1.get_text().strip() == expected  # shown as the text it is
        ld = [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]
        assert any(expected == s.strip() for s in _strings(ld)), "the payload must survive in JSON-LD as text"


def test_there_are_at_least_100_payloads() -> None:
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)


URL_FIELDS = [
    ("marketplace", "content/kelurahan/purwantoro/umkm/keripik-tempe.md", "marketplace:\n  shopee: {v}\n"),
    ("sosmed", "content/kelurahan/purwantoro/umkm/keripik-tempe.md", "sosmed:\n  instagram: {v}\n"),
    ("halal-number", "content/kelurahan/purwantoro/umkm/keripik-tempe.md", "legalitas:\n  halal: {v}\n"),
    ("sumber_asli", "content/kelurahan/purwantoro/berita/2026-11-01-rapat.md", "sumber_asli: {v}\n"),
    ("site-url", "site.yaml", "url: {v}\n"),
    ("site-sosmed", "site.yaml", "sosmed:\n  facebook: {v}\n"),
    ("site-email", "site.yaml", "kontak:\n  email: {v}\n"),
    ("kantor-email", "content/kelurahan/purwantoro/_index.md", "kantor:\n  email: {v}\n"),
]


@pytest.mark.parametrize("value", URL_FIELD_PAYLOADS, ids=[f"u{i:02d}" for i in range(len(URL_FIELD_PAYLOADS))])
@pytest.mark.parametrize("field", URL_FIELDS, ids=[f[0] for f in URL_FIELDS])
def test_dangerous_url_in_a_url_field_is_refused(field: tuple[str, str, str], value: str, tmp_path: Path) -> None:
    name, rel, template = field
    site = make_site(tmp_path, """
    -- content/kelurahan/purwantoro/berita/2026-11-01-rapat.md --
    ---
    judul: Rapat
    tanggal: 2026-11-01
    penulis: Admin
    ---
    Isi berita.
    """)
    path = site / rel
    text = path.read_text(encoding="utf-8")
    addition = template.format(v=yaml_quote(value))
    if rel == "site.yaml":
        text = "\n".join(line for line in text.splitlines() if not line.startswith("url:")) + "\n" + (
            addition if name == "site-url" else f"url: {BASE_URL}\n" + addition)
    else:
        text = text.replace("\n---\n", "\n" + addition + "---\n", 1)
    path.write_text(text, encoding="utf-8")
    result = build_site(site)
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert not (site / "build").exists()
    assert any(line.startswith(rel + ":") for line in result.lines()), result.output
