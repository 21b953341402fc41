"""The `kimsite` command: click commands that call `build()` and turn errors into exit codes.

Exit codes: 0 success, 1 content or configuration errors, 2 wrong usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from kimsite import __version__
from kimsite.errors import KimsiteError, UsageError, format_diagnostic

EXIT_CONTENT = 1
EXIT_USAGE = 2


def check_base_url(value: str | None) -> str | None:
    """`--base-url` is how kimsite is called, not content: a wrong one is a usage error (exit 2)."""
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment \
            or any(c in value for c in " <>\"'`\\"):
        raise click.BadParameter(f"`{value}` harus alamat https lengkap, mis. https://nama.github.io/repo/ "
                                 "(must be a full https URL)", param_hint="--base-url")
    return value.strip()


def _print_diagnostics(error: KimsiteError) -> None:
    errors = [d for d in error.diagnostics if d.level == "error"]
    warnings = [d for d in error.diagnostics if d.level == "warning"]
    for diag in warnings + errors:
        click.echo(format_diagnostic(diag, error.lang), err=True)
    if error.lang == "en":
        summary = f"Build failed: {len(errors)} error(s), {len(warnings)} warning(s). The previous output is unchanged."
    else:
        summary = f"Build gagal: {len(errors)} galat, {len(warnings)} peringatan. Keluaran sebelumnya tidak diubah."
    click.secho(summary, err=True, fg="red")


_quick_exit = False  # set by `build`: see `run`


def run() -> None:
    """The `kimsite` command (`main` as a process). After `kimsite build` the process ends without
    the interpreter's teardown: freeing a build's million objects one by one took ~0.3 s of a
    one-edit rebuild at 10,000 pages, after every file was written and closed. Anything but a
    normal exit (a crash, another command) goes the usual way."""
    try:
        main()
    except SystemExit as exc:
        if not _quick_exit:
            raise
        code = exc.code
        if not isinstance(code, int):
            if code is not None:
                print(code, file=sys.stderr)
            code = 0 if code is None else 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            code = code or 1
        os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="kimsite")
def main() -> None:
    """kimsite: situs statis untuk KIM kelurahan dan UMKM-nya (static sites for KIM and their UMKM).

    \b
    Contoh / examples:
      kimsite build                  membangun situs di folder ini ke build/
      kimsite build situs-saya -o public --base-url https://kim.github.io/situs/
      kimsite serve                  pratinjau langsung di http://127.0.0.1:8000/
      kimsite init kim-purwantoro --kelurahan Purwantoro    situs baru
      kimsite new umkm "Keripik Tempe Bu Sri"              berkas UMKM baru dari templat
      kimsite check                  periksa semuanya tanpa menulis apa pun
      kimsite cms                    formulir penyuntingan di /admin/
    """


@main.command()
@click.argument("site_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path),
              help="Folder keluaran (output folder). Bawaan: SITE_DIR/build.")
@click.option("--base-url", metavar="URL", callback=lambda _ctx, _param, value: check_base_url(value),
              help="Alamat situs yang dipublikasikan, menggantikan `url` di site.yaml "
                   "(e.g. from actions/configure-pages).")
@click.option("--drafts", is_flag=True, help="Ikutkan berita `draft: true` (include drafts).")
@click.option("--strict", is_flag=True, help="Peringatan dianggap galat (warnings fail the build).")
@click.option("-q", "--quiet", is_flag=True, help="Hanya tampilkan galat (errors only).")
@click.option("-v", "--verbose", is_flag=True, help="Tampilkan tiap tahap (show each phase).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Jumlah proses kerja (worker processes). Bawaan: semua inti CPU; -j1 = tanpa proses tambahan.")
@click.option("--no-cache", is_flag=True,
              help="Abaikan .kimsite-cache/ dan bangun semuanya (ignore the build cache, rebuild everything).")
def build(site_dir: Path, out_dir: Path | None, base_url: str | None, drafts: bool, strict: bool,
          quiet: bool, verbose: bool, jobs: int | None, no_cache: bool) -> None:
    """Bangun situs dari content/ ke folder keluaran (build the site).

    Semua galat dilaporkan sekaligus sebagai `berkas:baris: pesan`; bila ada galat, keluaran
    sebelumnya tidak diubah dan kode keluar 1.

    \b
    Contoh / examples:
      kimsite build
      kimsite build contoh-situs -o /tmp/situs --strict
      kimsite build --base-url https://kim-malang.github.io/kimsite/
    """
    from kimsite.build import BuildOptions
    from kimsite.build import build as run_build

    global _quick_exit
    _quick_exit = True
    if not site_dir.is_dir():
        raise click.BadParameter(f"folder `{site_dir}` tidak ada (does not exist)", param_hint="SITE_DIR")
    from kimsite.progress import ProgressBar

    progress = (lambda msg: click.echo(f"  {msg}", err=True)) if verbose else None
    options = BuildOptions(site_dir=site_dir, out_dir=out_dir, base_url=base_url, drafts=drafts, strict=strict,
                           jobs=jobs, use_cache=not no_cache)
    bar = ProgressBar(enabled=None if not (quiet or verbose) else False)
    try:
        result = run_build(options, progress=progress, ticker=bar)
    except KimsiteError as error:
        bar.close()
        _print_diagnostics(error)
        sys.exit(EXIT_CONTENT)
    except UsageError as error:
        bar.close()
        click.secho(f"kimsite: {error}", err=True, fg="red")
        sys.exit(EXIT_USAGE)
    except OSError as error:  # disk full, permissions: not a content error, but still no traceback
        bar.close()
        click.secho(f"kimsite: gagal menulis keluaran (could not write output): {error}. "
                    "Keluaran sebelumnya tidak diubah.", err=True, fg="red")
        sys.exit(EXIT_CONTENT)
    bar.close()
    lang = result.config.bahasa
    for note in getattr(result, "notes", []):
        click.echo(f"kimsite: {note}", err=True)
    if not quiet:
        for diag in result.warnings:
            click.echo(format_diagnostic(diag, lang), err=True)
        seconds = f"{result.seconds:.2f}".replace(".", "," if lang == "id" else ".")
        pages = f"{result.pages:,}".replace(",", "." if lang == "id" else ",")
        images = getattr(result, "images", 0)
        if lang == "en":
            click.echo(f"{pages} pages, {images} images, {result.files} files, {len(result.warnings)} warnings, "
                       f"{seconds} s → {options.output}")
        else:
            click.echo(f"{pages} halaman, {images} gambar, {result.files} berkas, {len(result.warnings)} peringatan, "
                       f"{seconds} dtk → {options.output}")


@main.command()
@click.argument("site_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path),
              help="Folder keluaran yang dihapus (output folder). Bawaan: SITE_DIR/build.")
def clean(site_dir: Path, out_dir: Path | None) -> None:
    """Hapus keluaran build dan .kimsite-cache/ (remove the build output and the build cache).

    Folder keluaran hanya dihapus bila dibuat kimsite (ada berkas .kimsite-build di dalamnya);
    tidak ada berkas lain yang disentuh.

    \b
    Contoh / examples:
      kimsite clean
      kimsite clean situs-saya -o public
    """
    import shutil

    from kimsite import cache
    from kimsite.output import MARKER

    if not site_dir.is_dir():
        raise click.BadParameter(f"folder `{site_dir}` tidak ada (does not exist)", param_hint="SITE_DIR")
    output = out_dir if out_dir is not None else site_dir / "build"
    removed: list[str] = []
    if output.is_dir() and not output.is_symlink():
        if (output / MARKER).is_file() and output.resolve() != site_dir.resolve():
            shutil.rmtree(output)
            removed.append(str(output))
        elif any(output.iterdir()):
            click.echo(f"kimsite: `{output}` tidak dihapus: bukan keluaran kimsite (tidak ada {MARKER}) "
                       f"(not kimsite's output, left alone)", err=True)
    if cache.remove(site_dir):
        removed.append(str(site_dir / cache.CACHE_DIR))
    if removed:
        click.echo("dihapus (removed): " + ", ".join(removed))
    else:
        click.echo("tidak ada yang perlu dihapus (nothing to remove)")


@main.command()
@click.argument("site_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Alamat yang dilayani (address to listen on); 0.0.0.0 = semua jaringan.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port; 0 memilih port bebas (0 picks a free port).")
@click.option("--open", "open_browser", is_flag=True, help="Buka peramban (open the browser).")
@click.option("--drafts", is_flag=True, help="Ikutkan berita `draft: true` (include drafts).")
@click.option("--lan", is_flag=True,
              help="Layani di jaringan lokal untuk ponsel, tampilkan alamat dan kode QR (same as --host 0.0.0.0).")
def serve(site_dir: Path, host: str, port: int, open_browser: bool, drafts: bool, lan: bool) -> None:
    """Pratinjau langsung: bangun, layani, dan bangun ulang saat berkas disimpan (live preview).

    Peramban dimuat ulang sendiri saat halamannya berubah; bila ada galat, setiap halaman
    menampilkan pesannya (`berkas:baris: pesan`) dan pratinjau tetap menampilkan hasil terakhir
    yang berhasil. Hasil build pratinjau disimpan di folder sementara, bukan di build/.

    \b
    Contoh / examples:
      kimsite serve
      kimsite serve contoh-situs --port 0 --open
      kimsite serve --lan            pratinjau di ponsel: pindai kode QR di terminal
    """
    from kimsite.server import serve_command

    if not site_dir.is_dir():
        raise click.BadParameter(f"folder `{site_dir}` tidak ada (does not exist)", param_hint="SITE_DIR")
    sys.exit(serve_command(site_dir, host, port, open_browser, drafts, lan, lambda msg: click.echo(msg, err=True)))


def _scaffold_failed(error: Exception) -> None:
    """Print a refusal from init/new/cms and exit with its code (1 refused, 2 usage)."""
    click.secho(f"kimsite: {error}", err=True, fg="red")
    sys.exit(getattr(error, "exit_code", EXIT_USAGE))


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--kelurahan", "kelurahan", metavar="KODE",
              help="Situs satu kelurahan: kode wilayah (35.73.01.1007) atau nama (Purwantoro).")
@click.option("--kota", metavar="NAMA", help="Portal satu kota dari data wilayah bawaan, mis. \"Kota Malang\".")
def init(directory: Path, kelurahan: str | None, kota: str | None) -> None:
    """Buat situs baru di DIRECTORY yang baru atau kosong (create a new site).

    Menulis site.yaml, data/wilayah.csv (daftar wilayah resmi bawaan), halaman Tentang, alur kerja
    GitHub Pages (.github/workflows/) dan requirements.txt. Folder yang sudah berisi tidak disentuh
    (kode keluar 1).

    \b
    Contoh / examples:
      kimsite init kim-purwantoro --kelurahan 35.73.01.1007
      kimsite init kim-purwantoro --kelurahan Purwantoro
      kimsite init portal-malang --kota "Kota Malang"
    """
    from kimsite.scaffold import ScaffoldError, init_site

    try:
        written = init_site(directory, kelurahan=kelurahan, kota=kota)
    except ScaffoldError as error:
        _scaffold_failed(error)
        return
    for rel in written:
        click.echo(f"  + {rel}")
    click.echo(f"Situs dibuat di {directory}. Langkah berikutnya: `kimsite new umkm \"Nama Usaha\" -s {directory}`, "
               f"lalu `kimsite serve {directory}`. Panduan: docs/panduan-relawan.md")


@main.command()
@click.argument("kind", type=click.Choice(["umkm", "berita", "agenda", "halaman", "kelurahan"]))
@click.argument("name")
@click.option("-s", "--site", "site_dir", default=".", type=click.Path(file_okay=False, path_type=Path),
              help="Folder situs (site folder). Bawaan: folder ini.")
@click.option("-k", "--kelurahan", metavar="SLUG",
              help="Kelurahan tujuan; boleh dilewati bila situs hanya satu kelurahan.")
@click.option("--kategori", metavar="SLUG", help="Kategori UMKM dari kategori_umkm (bawaan: lainnya).")
@click.option("--penulis", metavar="NAMA", help="Penulis berita (bawaan: Tim KIM <kelurahan>).")
@click.option("--mulai", metavar="\"YYYY-MM-DD HH:MM\"", help="Mulai agenda (bawaan: seminggu lagi pukul 08.00).")
def new(kind: str, name: str, site_dir: Path, kelurahan: str | None, kategori: str | None,
        penulis: str | None, mulai: str | None) -> None:
    """Buat satu berkas konten baru dari templat (create one content file).

    KIND: umkm, berita, agenda, halaman atau kelurahan. Nama berkas dibuat dari NAME. Setiap kunci
    ditulis dengan keterangan dan contoh; berkas yang sudah ada tidak pernah ditimpa (kode keluar 1).

    \b
    Contoh / examples:
      kimsite new umkm "Keripik Tempe Bu Sri" --kategori oleh-oleh
      kimsite new berita "Kerja Bakti RW 05" -k purwantoro
      kimsite new agenda "Pelatihan Foto Produk" --mulai "2026-12-05 09:00"
      kimsite new halaman "Sejarah Kelurahan" -k purwantoro
      kimsite new kelurahan Kauman
    """
    from kimsite.scaffold import NewOptions, ScaffoldError, new_content

    if not (site_dir / "site.yaml").is_file():
        raise click.BadParameter(f"`{site_dir}` bukan folder situs (tidak ada site.yaml)", param_hint="--site")
    try:
        written = new_content(NewOptions(kind, name, site_dir, kelurahan, kategori, penulis, mulai))
    except ScaffoldError as error:
        _scaffold_failed(error)
        return
    except KimsiteError as error:
        _print_diagnostics(error)
        sys.exit(EXIT_CONTENT)
    for rel in written:
        click.echo(f"  + {rel}")
    click.echo("Sunting berkas .md di atas, lalu periksa dengan `kimsite check`.")


@main.command()
@click.argument("site_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text: berkas:baris: pesan; json: daftar {path, line, level, message}; github: anotasi Actions.")
@click.option("--base-url", metavar="URL", help="Alamat situs yang dipublikasikan (seperti pada build).")
@click.option("--drafts", is_flag=True, help="Ikutkan berita `draft: true`.")
@click.option("--strict", is_flag=True, help="Peringatan juga membuat kode keluar 1 (warnings fail).")
def check(site_dir: Path, fmt: str, base_url: str | None, drafts: bool, strict: bool) -> None:
    """Periksa situs tanpa menulis apa pun (check the site, write nothing).

    Semua yang diperiksa `build`, ditambah tautan internal dan #jangkar di halaman jadi, dan gambar
    yang terlalu berat (> 1 MB) atau terlalu besar (> 4000 piksel). Kode keluar 1 bila ada galat.

    \b
    Contoh / examples:
      kimsite check
      kimsite check situs-saya --format json
      kimsite check --format github      # di GitHub Actions: pesan muncul di baris berkas
    """
    from kimsite.check import render, run_check, summary

    if not site_dir.is_dir():
        raise click.BadParameter(f"folder `{site_dir}` tidak ada (does not exist)", param_hint="SITE_DIR")
    try:
        result = run_check(site_dir, base_url=base_url, drafts=drafts)
    except UsageError as error:
        click.secho(f"kimsite: {error}", err=True, fg="red")
        sys.exit(EXIT_USAGE)
    prefix = "" if site_dir.resolve() == Path.cwd().resolve() else _repo_relative(site_dir)
    text = render(result, fmt, prefix)
    if text:
        click.echo(text)
    if fmt != "json":
        click.echo(summary(result), err=True)
    if result.errors or (strict and result.warnings):
        sys.exit(EXIT_CONTENT)


def _repo_relative(site_dir: Path) -> str:
    """The site folder as GitHub names files: relative to the working directory (the checkout)."""
    try:
        return site_dir.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return ""


@main.command()
@click.argument("site_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--repo", metavar="PEMILIK/NAMA", help="Repositori GitHub situs (bawaan: ditebak dari `url`).")
@click.option("--branch", default="main", show_default=True, help="Cabang yang disunting CMS.")
@click.option("--force", is_flag=True, help="Timpa static/admin/ yang sudah ada (overwrite).")
def cms(site_dir: Path, repo: str | None, branch: str, force: bool) -> None:
    """Pasang Sveltia CMS di static/admin/ agar relawan menyunting lewat formulir (set up the CMS).

    Menulis static/admin/config.yml (dibuat dari model konten: satu koleksi per jenis per kelurahan)
    dan static/admin/index.html. Halaman /admin/ memuat skrip CMS dari CDN — satu-satunya permintaan
    ke pihak ketiga, hanya di /admin/. Jalankan ulang setelah menambah kelurahan.

    \b
    Contoh / examples:
      kimsite cms
      kimsite cms situs-saya --repo kim-malang/kim-purwantoro
      kimsite cms --force                # tulis ulang setelah menambah kelurahan
    """
    from kimsite.cms import write_cms
    from kimsite.scaffold import ScaffoldError

    if not (site_dir / "site.yaml").is_file():
        raise click.BadParameter(f"`{site_dir}` bukan folder situs (tidak ada site.yaml)", param_hint="SITE_DIR")
    try:
        written = write_cms(site_dir, repo=repo, branch=branch, force=force)
    except ScaffoldError as error:
        _scaffold_failed(error)
        return
    except KimsiteError as error:
        _print_diagnostics(error)
        sys.exit(EXIT_CONTENT)
    for rel in written:
        click.echo(f"  + {rel}")
    import yaml

    backend = yaml.safe_load((site_dir / written[0]).read_text(encoding="utf-8"))["backend"]
    click.echo(f"Repositori: {backend['repo']}, cabang {backend['branch']} (ganti dengan --repo/--branch bila salah).")
    click.echo("CMS siap di /admin/ setelah situs terbit. Penyiapan login: docs/panduan-relawan.md")


if __name__ == "__main__":  # pragma: no cover
    main()
