"""kimsite: a static site generator for KIM (Kelompok Informasi Masyarakat) kelurahan microsites."""

__version__ = "0.1.0"
