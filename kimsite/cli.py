"""The `kimsite` command: click commands that call `build()` and turn errors into exit codes.

Exit codes: 0 success, 1 content or configuration errors, 2 wrong usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kimsite import __version__
from kimsite.errors import KimsiteError, UsageError, format_diagnostic

EXIT_CONTENT = 1
EXIT_USAGE = 2


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="kimsite")
def main() -> None:
    """kimsite: situs statis untuk KIM kelurahan dan UMKM-nya (static sites for KIM and their UMKM).

    \b
    Contoh / examples:
      kimsite build                  membangun situs di folder ini ke build/
      kimsite build situs-saya -o public --base-url https://kim.github.io/situs/
      kimsite serve                  pratinjau langsung di http://127.0.0.1:8000/
    """


@main.command()
@click.argument("site_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path),
              help="Folder keluaran (output folder). Bawaan: SITE_DIR/build.")
@click.option("--base-url", metavar="URL",
              help="Alamat situs yang dipublikasikan, menggantikan `url` di site.yaml "
                   "(e.g. from actions/configure-pages).")
@click.option("--drafts", is_flag=True, help="Ikutkan berita `draft: true` (include drafts).")
@click.option("--strict", is_flag=True, help="Peringatan dianggap galat (warnings fail the build).")
@click.option("-q", "--quiet", is_flag=True, help="Hanya tampilkan galat (errors only).")
@click.option("-v", "--verbose", is_flag=True, help="Tampilkan tiap tahap (show each phase).")
def build(site_dir: Path, out_dir: Path | None, base_url: str | None, drafts: bool, strict: bool,
          quiet: bool, verbose: bool) -> None:
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

    if not site_dir.is_dir():
        raise click.BadParameter(f"folder `{site_dir}` tidak ada (does not exist)", param_hint="SITE_DIR")
    progress = (lambda msg: click.echo(f"  {msg}", err=True)) if verbose else None
    options = BuildOptions(site_dir=site_dir, out_dir=out_dir, base_url=base_url, drafts=drafts, strict=strict)
    try:
        result = run_build(options, progress=progress)
    except KimsiteError as error:
        _print_diagnostics(error)
        sys.exit(EXIT_CONTENT)
    except UsageError as error:
        click.secho(f"kimsite: {error}", err=True, fg="red")
        sys.exit(EXIT_USAGE)
    except OSError as error:  # disk full, permissions: not a content error, but still no traceback
        click.secho(f"kimsite: gagal menulis keluaran (could not write output): {error}. "
                    "Keluaran sebelumnya tidak diubah.", err=True, fg="red")
        sys.exit(EXIT_CONTENT)
    lang = result.config.bahasa
    if not quiet:
        for diag in result.warnings:
            click.echo(format_diagnostic(diag, lang), err=True)
        seconds = f"{result.seconds:.2f}".replace(".", "," if lang == "id" else ".")
        pages = f"{result.pages:,}".replace(",", "." if lang == "id" else ",")
        if lang == "en":
            click.echo(f"{pages} pages, {result.files} files, {len(result.warnings)} warnings, {seconds} s "
                       f"→ {options.output}")
        else:
            click.echo(f"{pages} halaman, {result.files} berkas, {len(result.warnings)} peringatan, {seconds} dtk "
                       f"→ {options.output}")


if __name__ == "__main__":  # pragma: no cover
    main()
