"""Images at build time: resized variants, WebP/AVIF + fallback, orientation applied, metadata (GPS!)
stripped, `<picture>` markup, the first image eager and the rest lazy, a cache by content hash, and
warnings naming `file:line` for unsuitable sources."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from sitetools import SOURCE_DATE_EPOCH, build_site, make_site, page

from kimsite.build import BuildOptions, build

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif")
UMKM = "content/kelurahan/purwantoro/umkm/sambal-bu-tin.md"
UMKM_URL = "kelurahan/purwantoro/umkm/sambal-bu-tin/"
GPS_IFD = 0x8825


def phone_photo(width: int, height: int, orientation: int = 1, gps: bool = True) -> bytes:
    """A JPEG like a phone writes it: EXIF with an orientation, GPS position and camera model.
    Left half red, right half blue, so a rotation can be seen in the output."""
    img = Image.new("RGB", (width, height), (220, 30, 30))
    img.paste((30, 30, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0110] = "Ponsel Uji"  # Model
    if gps:
        gps_ifd = exif.get_ifd(GPS_IFD)
        gps_ifd[1] = "S"
        gps_ifd[2] = (7.0, 58.0, 30.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (112.0, 37.0, 10.0)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=90, exif=exif, icc_profile=b"")
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the source really carries what we test the removal of
        assert check.getexif().get(0x0112) == orientation
        assert bool(check.getexif().get_ifd(GPS_IFD)) == gps
    return data


def umkm_file(fotos: list[str], produk_foto: str = "", body: str = "") -> str:
    lines = ["---", "nama: Sambal Bu Tin", "kategori: kuliner", "kontak:", '  whatsapp: "0812-3456-7890"',
             "diperbarui: 2026-10-01", "foto:"]
    for index, name in enumerate(fotos):
        lines += [f"  - src: {name}", f"    alt: Foto sambal nomor {index + 1}"]
    if produk_foto:
        lines += ["produk:", "  - nama: Sambal bawang", "    harga: 15000", "    foto:",
                  f"      src: {produk_foto}", "      alt: Sambal bawang dalam toples"]
    lines += ["---", body or "Sambal bawang dan sambal pecel buatan rumah, ditumbuk setiap pagi tanpa pengawet."]
    return "\n".join(lines) + "\n"


def write(site: Path, rel: str, data: bytes | str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def output_images(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)


def api_build(site: Path, out: Path):
    os.environ.setdefault("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    return build(BuildOptions(site, out_dir=out))


def test_no_output_image_keeps_exif_gps_or_any_metadata(tmp_path):
    site = make_site(tmp_path)
    folder = "content/kelurahan/purwantoro/umkm/sambal-bu-tin"
    write(site, f"{folder}/foto.jpg", phone_photo(1600, 1200))
    write(site, f"{folder}/produk.jpg", phone_photo(900, 900))
    write(site, UMKM, umkm_file(["sambal-bu-tin/foto.jpg"], "sambal-bu-tin/produk.jpg",
                                body="Sambal bawang buatan rumah, ditumbuk setiap pagi.\n\n"
                                     "![Dapur Bu Tin](sambal-bu-tin/foto.jpg)\n"))
    result = build_site(site)
    assert result.exit_code == 0, result.output
    images = output_images(site / "build")
    served = [p for p in images if "sambal-bu-tin" in p.as_posix()]
    assert len(served) >= 8  # widths × formats of two photos
    for path in images:
        data = path.read_bytes()
        assert b"Exif\x00\x00" not in data, path
        assert b"Ponsel Uji" not in data, path
        with Image.open(path) as img:
            assert not img.getexif(), path
            assert not img.getexif().get_ifd(GPS_IFD), path
            assert "exif" not in img.info and "icc_profile" not in img.info and "xmp" not in img.info, path


def test_orientation_is_applied_and_nothing_is_upscaled(tmp_path):
    site = make_site(tmp_path)
    # Stored 1000×500 landscape with Orientation=6: shown as a 500×1000 portrait, left (red) at the top.
    write(site, "content/kelurahan/purwantoro/umkm/miring.jpg", phone_photo(1000, 500, orientation=6))
    write(site, UMKM, umkm_file(["miring.jpg"]))
    assert build_site(site).exit_code == 0
    folder = site / "build" / "kelurahan/purwantoro/umkm/sambal-bu-tin"
    variants = sorted(p for p in folder.iterdir() if p.name.startswith("miring"))
    assert {p.name for p in variants} >= {"miring.jpg", "miring-320w.jpg", "miring-320w.webp", "miring-500w.webp"}
    for path in variants:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
            assert img.width <= 500 and img.height == 2 * img.width, path  # portrait, never above 500 wide
            top, bottom = rgb.getpixel((img.width // 2, 5)), rgb.getpixel((img.width // 2, img.height - 5))
            assert top[0] > 150 and top[2] < 100, (path, top)  # red on top
            assert bottom[2] > 150 and bottom[0] < 100, (path, bottom)  # blue below
    html = page(site, UMKM_URL)
    img = html.select_one(".gallery picture img")
    assert (img["width"], img["height"]) == ("500", "1000")
    assert [c.split()[1] for c in img["srcset"].split(", ")] == ["320w", "500w"]  # no 640/960/1280
    for source in html.select(".gallery picture source"):
        assert [c.split()[1] for c in source["srcset"].split(", ")] == ["320w", "500w"]


def test_picture_markup_first_image_eager_the_rest_lazy(tmp_path):
    site = make_site(tmp_path)
    folder = "content/kelurahan/purwantoro/umkm/sambal-bu-tin"
    for name in ("satu", "dua", "produk", "isi"):
        write(site, f"{folder}/{name}.jpg", phone_photo(1400, 1050, gps=False))
    write(site, UMKM, umkm_file(["sambal-bu-tin/satu.jpg", "sambal-bu-tin/dua.jpg"], "sambal-bu-tin/produk.jpg",
                                body="Sambal buatan rumah, ditumbuk setiap pagi tanpa pengawet.\n\n"
                                     "![Cobek batu di dapur](sambal-bu-tin/isi.jpg)\n"))
    result = build_site(site, "--base-url", "https://contoh.github.io/sub/jalur/")
    assert result.exit_code == 0, result.output
    html = page(site, UMKM_URL)
    main = html.find("main")
    pictures = main.find_all("picture")
    assert len(pictures) == 4  # two gallery photos, the product photo, the body image
    assert not main.find_all("img", recursive=True) or all(i.parent.name == "picture" for i in main.find_all("img"))
    out = site / "build" / UMKM_URL
    for picture in pictures:
        img = picture.find("img")
        assert img["alt"] and int(img["width"]) == 1280 and int(img["height"]) == 960
        assert img["sizes"] and img["srcset"].count("w,") == 3  # 320, 640, 960, 1280
        types = [s["type"] for s in picture.find_all("source")]
        assert "image/webp" in types and types[-1] == "image/webp"
        for tag in [img, *picture.find_all("source")]:
            assert tag["sizes"]
            for candidate in tag["srcset"].split(", "):
                url = candidate.split()[0]
                assert not url.startswith(("/", "http")), url  # relative: works under a sub-path
                assert (out / url).resolve().is_file(), url
        assert img["decoding"] == "async"
    imgs = [p.find("img") for p in pictures]
    assert imgs[0].get("loading") is None and imgs[0]["fetchpriority"] == "high"
    assert all(i["loading"] == "lazy" and i.get("fetchpriority") is None for i in imgs[1:])
    assert "Cobek batu di dapur" in [i["alt"] for i in imgs]  # the Markdown body image uses the same variants

    # A list page: the first card's image is the eager one.
    listing = page(site, "kelurahan/purwantoro/umkm/").find("main").find_all("img")
    assert listing and listing[0].get("fetchpriority") == "high"
    assert all(i.get("loading") == "lazy" for i in listing[1:])


def test_a_second_build_encodes_nothing_and_gives_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("KIMSITE_CACHE_DIR", str(tmp_path / "cache"))  # a cache no other test has filled
    site = make_site(tmp_path)
    write(site, "content/kelurahan/purwantoro/umkm/foto.jpg", phone_photo(1300, 975))
    write(site, UMKM, umkm_file(["foto.jpg"]))
    first = api_build(site, tmp_path / "satu")
    assert first.images_encoded > 0
    second = api_build(site, tmp_path / "dua")
    assert second.images_encoded == 0
    one, two = output_images(tmp_path / "satu"), output_images(tmp_path / "dua")
    assert [p.relative_to(tmp_path / "satu") for p in one] == [p.relative_to(tmp_path / "dua") for p in two]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two, strict=True))
    # An empty cache encodes everything again, to the very same bytes (deterministic encoders).
    monkeypatch.setenv("KIMSITE_CACHE_DIR", str(tmp_path / "cache-baru"))
    cold = api_build(site, tmp_path / "dingin")
    assert cold.images_encoded == first.images_encoded
    assert [p.read_bytes() for p in output_images(tmp_path / "dingin")] == [p.read_bytes() for p in one]
    # A changed photo is encoded again (only that one), under the same names.
    write(site, "content/kelurahan/purwantoro/umkm/foto.jpg", phone_photo(1200, 900))
    third = api_build(site, tmp_path / "tiga")
    assert 0 < third.images_encoded <= 3  # the photo and the cards that show it


def test_warnings_name_file_and_line_of_small_and_huge_sources(tmp_path):
    site = make_site(tmp_path)
    folder = "content/kelurahan/purwantoro/umkm/sambal-bu-tin"
    write(site, f"{folder}/kecil.jpg", phone_photo(200, 150, gps=False))
    write(site, f"{folder}/sempit.jpg", phone_photo(300, 200, gps=False))
    noise = Image.frombytes("RGB", (2100, 1800), os.urandom(2100 * 1800 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=0)
    assert len(buffer.getvalue()) > 10 * 1024 * 1024
    write(site, f"{folder}/besar.png", buffer.getvalue())
    text = umkm_file(["sambal-bu-tin/kecil.jpg", "sambal-bu-tin/besar.png"],
                     body="Sambal buatan rumah, ditumbuk setiap pagi tanpa pengawet.\n\n"
                          "Cobek di dapur:\n\n![Cobek](sambal-bu-tin/sempit.jpg)\n")
    write(site, UMKM, text)
    lines = text.splitlines()
    small_line = lines.index("  - src: sambal-bu-tin/kecil.jpg") + 1
    large_line = lines.index("  - src: sambal-bu-tin/besar.png") + 1
    body_line = lines.index("![Cobek](sambal-bu-tin/sempit.jpg)") + 1
    # --strict turns the warnings into a failed build, so nothing is encoded (fast) but all are listed.
    result = build_site(site, "--strict")
    assert result.exit_code == 1
    assert f"{UMKM}:{small_line}: " in result.output and "200 px" in result.output
    assert f"{UMKM}:{large_line}: " in result.output and "10 MB" in result.output
    assert f"{UMKM}:{body_line}: " in result.output and "300 px" in result.output
    warned = [line for line in result.lines() if any(n in line for n in ("kecil.jpg", "besar.png", "sempit.jpg"))]
    assert len(warned) == 3, result.output


def test_static_images_named_by_content_are_cleaned_too(tmp_path):
    site = make_site(tmp_path)
    write(site, "static/gambar/sambal.jpg", phone_photo(800, 600))
    write(site, UMKM, umkm_file(["/gambar/sambal.jpg"]))
    assert build_site(site).exit_code == 0
    out = site / "build" / "gambar"
    assert {p.name for p in out.iterdir()} >= {"sambal.jpg", "sambal-320w.webp", "sambal-640w.jpg"}
    with Image.open(out / "sambal.jpg") as img:
        assert not img.getexif() and img.width == 800
    html = page(site, UMKM_URL)
    assert html.select_one(".gallery img")["src"] == "../../../../gambar/sambal.jpg"


def test_transparent_png_keeps_a_png_fallback(tmp_path):
    site = make_site(tmp_path)
    logo = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    logo.paste((11, 110, 79, 255), (100, 100, 500, 300))
    buffer = io.BytesIO()
    logo.save(buffer, "PNG")
    write(site, "content/kelurahan/purwantoro/umkm/logo.png", buffer.getvalue())
    write(site, UMKM, umkm_file(["logo.png"]))
    assert build_site(site).exit_code == 0
    img = page(site, UMKM_URL).select_one(".gallery picture img")
    assert all(c.split()[0].endswith(".png") for c in img["srcset"].split(", "))
    with Image.open(site / "build" / UMKM_URL / "logo-320w.png") as small:
        assert small.mode == "RGBA" and small.getpixel((0, 0))[3] == 0


def test_images_copied_as_they_are_lose_their_metadata_but_not_a_pixel(tmp_path):
    site = make_site(tmp_path)
    photo = phone_photo(700, 500)
    write(site, "static/unduhan/peta-lokasi.jpg", photo)  # named by no content: copied, not re-encoded
    png = io.BytesIO()
    exif = Image.Exif()
    exif[0x0110] = "Ponsel Uji"
    Image.new("RGB", (64, 64), (9, 99, 199)).save(png, "PNG", exif=exif)
    write(site, "static/unduhan/ikon.png", png.getvalue())
    webp = io.BytesIO()
    Image.new("RGB", (64, 64), (9, 99, 199)).save(webp, "WEBP", lossless=True, exif=exif)
    write(site, "static/unduhan/ikon.webp", webp.getvalue())
    assert build_site(site).exit_code == 0
    for name, source in (("peta-lokasi.jpg", photo), ("ikon.png", png.getvalue()), ("ikon.webp", webp.getvalue())):
        out = (site / "build/unduhan" / name).read_bytes()
        assert b"Exif\x00\x00" not in out and b"Ponsel Uji" not in out and b"eXIf" not in out, name
        with Image.open(io.BytesIO(out)) as cleaned, Image.open(io.BytesIO(source)) as original:
            assert not cleaned.getexif() and not cleaned.getexif().get_ifd(GPS_IFD)
            assert cleaned.size == original.size
            assert cleaned.convert("RGB").tobytes() == original.convert("RGB").tobytes()  # lossless
