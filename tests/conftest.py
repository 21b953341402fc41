import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# One image cache for the whole suite (kimsite.images: variants and share cards, keyed by content hash, so
# sharing is safe): the many small test sites use the same few photos, and each is encoded once, not once
# per test. Kept in the repo's git-ignored cache folder so a second run starts warm; tests about the
# cache itself point KIMSITE_CACHE_DIR at their own tmp folder.
import os  # noqa: E402

os.environ.setdefault("KIMSITE_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".kimsite-cache" / "tests"))
