"""`kimsite cms`: the Sveltia CMS config follows the content model, validates against the CMS's own
JSON schema, and what the CMS saves from it passes `kimsite check`."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image
from sitetools import SOURCE_DATE_EPOCH, make_site

from kimsite import content
from kimsite.cli import main
from kimsite.cms import SVELTIA_SRI, SVELTIA_URL, guess_repo
from kimsite.config import DEFAULT_CATEGORIES
from kimsite.formats import HARI

SCHEMA = Path(__file__).parent / "data" / "sveltia-cms-0.221.1.schema.json"
REQUIRED = {  # what the parser requires (content.py), per kind
    "umkm": {"nama", "kategori", "kontak"},
    "berita": {"judul", "tanggal", "penulis", "body"},
    "agenda": {"judul", "mulai", "lokasi", "penyelenggara"},
    "halaman": {"judul", "body"},
    "kelurahan": {"kode", "deskripsi", "kim"},
}
KEYS = {"umkm": content.UMKM_KEYS, "berita": content.BERITA_KEYS, "agenda": content.AGENDA_KEYS,
        "halaman": content.HALAMAN_KEYS, "kelurahan": content.KELURAHAN_KEYS}


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                              catch_exceptions=False)


@pytest.fixture()
def site(tmp_path) -> Path:
    site = make_site(tmp_path)
    result = run("cms", str(site), "--repo", "kim-uji/situs")
    assert result.exit_code == 0, result.output
    return site


def cms_config(site: Path) -> dict[str, Any]:
    return yaml.safe_load((site / "static/admin/config.yml").read_text(encoding="utf-8"))


def collection(config: dict, name: str) -> dict:
    return next(c for c in config["collections"] if c["name"] == name)


def kind_fields(config: dict, kind: str) -> list[dict]:
    if kind == "kelurahan":
        return collection(config, "kelurahan")["files"][0]["fields"]
    name = "halaman" if kind == "halaman" else f"{kind}-purwantoro"
    return collection(config, name)["fields"]


def by_name(fields: list[dict]) -> dict[str, dict]:
    return {f["name"]: f for f in fields}


def test_config_validates_against_the_sveltia_schema(site):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    config = cms_config(site)
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(config)]
    assert errors == []
    broken = {**config, "collections": [{**config["collections"][0], "foldr": "x"}]}
    assert list(validator.iter_errors(broken)), "the schema must reject an unknown key"


@pytest.mark.parametrize("kind", sorted(KEYS))
def test_every_key_of_every_kind_is_a_typed_field(site, kind):
    fields = kind_fields(cms_config(site), kind)
    assert [f["name"] for f in fields] == [*KEYS[kind], "body"]
    required = {f["name"] for f in fields if f.get("required")}
    assert REQUIRED[kind] <= required
    assert all("widget" in f for f in fields)


def test_choices_lists_and_images_use_the_right_widgets(site):
    config = cms_config(site)
    umkm = by_name(kind_fields(config, "umkm"))
    assert umkm["kategori"]["widget"] == "select"
    assert [o["value"] for o in umkm["kategori"]["options"]] == [slug for slug, _ in DEFAULT_CATEGORIES]
    assert (umkm["status"]["widget"], umkm["status"]["options"]) == ("select", list(content.STATUS_UMKM))
    assert (umkm["pembayaran"]["options"], umkm["pembayaran"]["multiple"]) == (list(content.PEMBAYARAN), True)
    assert (umkm["layanan"]["options"], umkm["layanan"]["multiple"]) == (list(content.LAYANAN), True)
    produk = umkm["produk"]
    assert produk["widget"] == "list" and [f["name"] for f in produk["fields"]] == list(content.PRODUK_KEYS)
    harga = by_name(produk["fields"])["harga"]
    assert (harga["widget"], harga["value_type"], harga["min"]) == ("number", "int", 0)
    jam = umkm["jam_buka"]
    assert jam["widget"] == "list" and [f["name"] for f in jam["fields"]] == list(content.JAM_BUKA_KEYS)
    assert by_name(jam["fields"])["hari"]["options"] == list(HARI)
    assert by_name(umkm["foto"]["fields"])["src"]["widget"] == "image"
    berita = by_name(kind_fields(config, "berita"))
    assert berita["kategori"]["options"] == list(content.KATEGORI_BERITA)
    assert berita["umkm_terkait"]["collection"] == "umkm-purwantoro"
    assert by_name(kind_fields(config, "agenda"))["status"]["options"] == list(content.STATUS_AGENDA)
    umkm_collection = collection(config, "umkm-purwantoro")
    assert umkm_collection["folder"] == "content/kelurahan/purwantoro/umkm"
    assert (umkm_collection["path"], umkm_collection["media_folder"]) == ("{{slug}}/index", "")  # photos beside
    assert config["output"]["yaml"]["quote"] == "double"
    backend = config["backend"]
    assert (backend["name"], backend["repo"], backend["branch"]) == ("github", "kim-uji/situs", "main")


# -- what the CMS saves ------------------------------------------------------------------------

class DoubleQuoted(yaml.SafeDumper):
    """Sveltia with `output.yaml.quote: double`: every string double-quoted."""


DoubleQuoted.add_representer(str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"'))

SAMPLES: dict[str, Any] = {  # what a volunteer would type, by field path
    "kontak.whatsapp": "0812-3456-7890", "kontak.telepon": "(0341) 551234", "kim.kontak.whatsapp": "0812-3456-7891",
    "kantor.telepon": "(0341) 551234", "kantor.email": "kelurahan@example.com", "kim.kontak.email": "kim@example.com",
    "kantor.kode_pos": "65126", "kode": "35.73.01.1007", "legalitas.nib": "1234567890123",
    "legalitas.pirt": "2063573010123-31", "legalitas.halal": "ID35110000012345",
    "jam_buka.buka": "08:00", "jam_buka.tutup": "16:00", "produk.harga": 15000, "produk.harga_coret": 18000,
    "lokasi.lat": -7.96, "lokasi.lon": 112.64, "kantor.lokasi.lat": -7.96, "kantor.lokasi.lon": 112.64,
    "marketplace.shopee": "https://shopee.co.id/keripik", "marketplace.tokopedia": "https://www.tokopedia.com/k",
    "marketplace.gofood": "https://gofood.co.id/malang/restaurant/k", "marketplace.grabfood": "https://food.grab.com/id/k",
    "marketplace.shopeefood": "https://shopee.co.id/now-food/k", "sumber_asli": "https://www.instagram.com/p/abc/",
    "agenda.kontak.whatsapp": "0812-3456-7892", "sosmed.instagram": "@warung.cms", "sosmed.tiktok": "@warung.cms",
    "sosmed.facebook": "warung.cms", "sosmed.snackvideo": "https://www.snackvideo.com/@warung.cms",
    "kim.sosmed.instagram": "@kim.uji", "kim.sosmed.facebook": "kim.uji", "kim.sosmed.tiktok": "@kim.uji",
    "kim.sosmed.youtube": "@kimuji", "kim.sosmed.snackvideo": "@kim.uji", "biaya": 0, "urutan": 3,
    "umkm_terkait": ["keripik-tempe"],
}


def sample(field: dict, path: str, kind: str) -> Any:
    key = f"{path}{field['name']}"
    for candidate in (f"{kind}.{key}", key):
        if candidate in SAMPLES:
            value = SAMPLES[candidate]
            if field.get("pattern"):
                assert re.search(field["pattern"][0], str(value)), (key, value)
            return value
    widget = field["widget"]
    if widget == "object":
        return {f["name"]: sample(f, key + ".", kind) for f in field["fields"]}
    if widget == "list":
        return [{f["name"]: sample(f, key + ".", kind) for f in field["fields"]}] if "fields" in field \
            else ["contoh kata"]
    if widget == "select":
        values = [o["value"] if isinstance(o, dict) else o for o in field["options"]]
        return values[:2] if field.get("multiple") else values[0]
    if widget == "boolean":
        return field.get("default", False)
    if widget == "datetime":
        return "2026-11-20" if field.get("time_format") is False else "2026-11-20 08:00"
    if widget == "image":
        return "foto-cms.png"
    if widget == "number":
        return 1
    if widget == "relation":
        return []
    assert not field.get("pattern"), f"{key} has a pattern: give it a typical value in SAMPLES"
    if widget == "markdown":
        return "Isi yang ditulis lewat CMS: cukup panjang agar lebih dari lima puluh karakter."
    return f"Contoh {field['label']}"[: field.get("maxlength", 200)]


def save_as_cms(site: Path, rel: str, fields: list[dict], kind: str) -> None:
    values = {f["name"]: sample(f, "", kind) for f in fields}
    body = values.pop("body")
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.dump(values, Dumper=DoubleQuoted, allow_unicode=True, sort_keys=False)
    front = re.sub(r'^(\s*(?:- )?)"([a-z_]+)":', r"\1\2:", front, flags=re.M)  # keys stay plain
    path.write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 140, 60)).save(buffer, "PNG")
    (path.parent / "foto-cms.png").write_bytes(buffer.getvalue())


def test_files_saved_from_the_cms_forms_pass_check(site):
    config = cms_config(site)
    base = "content/kelurahan/purwantoro"
    save_as_cms(site, f"{base}/umkm/warung-cms/index.md", kind_fields(config, "umkm"), "umkm")
    save_as_cms(site, f"{base}/berita/bazar-cms.md", kind_fields(config, "berita"), "berita")
    save_as_cms(site, f"{base}/agenda/senam-cms.md", kind_fields(config, "agenda"), "agenda")
    save_as_cms(site, f"{base}/halaman/sejarah-cms.md", kind_fields(config, "halaman"), "halaman")
    save_as_cms(site, "content/halaman/tentang-cms.md", kind_fields(config, "halaman"), "halaman")
    save_as_cms(site, f"{base}/_index.md", kind_fields(config, "kelurahan"), "kelurahan")
    saved = (site / f"{base}/umkm/warung-cms/index.md").read_text(encoding="utf-8")
    assert 'buka: "08:00"' in saved and 'whatsapp: "0812-3456-7890"' in saved and "harga: 15000" in saved
    result = run("check", str(site), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


def test_index_html_pins_the_cms_script_and_is_published(site):
    html = (site / "static/admin/index.html").read_text(encoding="utf-8")
    assert f'<script src="{SVELTIA_URL}" integrity="{SVELTIA_SRI}" crossorigin="anonymous">' in html
    assert re.search(r"@sveltia/cms@\d+\.\d+\.\d+/", SVELTIA_URL)  # an exact version, never @latest
    assert '<meta name="robots" content="noindex">' in html
    from sitetools import build_site

    assert build_site(site).exit_code == 0
    assert (site / "build/admin/index.html").read_text(encoding="utf-8") == html
    assert (site / "build/admin/config.yml").is_file()


def test_existing_files_are_kept_without_force(site):
    config = site / "static/admin/config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "# disunting\n", encoding="utf-8")
    before = config.read_bytes()
    refused = run("cms", str(site), "--repo", "kim-uji/situs")
    assert refused.exit_code == 1 and "--force" in refused.output
    assert config.read_bytes() == before
    assert run("cms", str(site), "--repo", "kim-uji/situs", "--force").exit_code == 0
    assert b"# disunting" not in config.read_bytes()
    assert run("cms", str(site), "--repo", "kim-uji/situs").exit_code == 0  # same content: nothing to refuse


def test_repository_is_guessed_from_the_pages_url(tmp_path):
    assert guess_repo("https://contoh.github.io/uji/") == "contoh/uji"
    assert guess_repo("https://kim-malang.github.io/") == "kim-malang/kim-malang.github.io"
    assert guess_repo("https://kim.example.org/") is None
    site = make_site(tmp_path)
    assert run("cms", str(site)).exit_code == 0
    assert cms_config(site)["backend"]["repo"] == "contoh/uji"


def test_cms_says_which_repository_it_configured(tmp_path):
    site = make_site(tmp_path)
    result = run("cms", str(site))
    assert "Repositori: contoh/uji, cabang main" in result.output
