"""Region codes and names: `14` Riau, `14.03` Bengkalis, `14.03.02` Bantan (config/regions.csv).

`name_key` is how two spellings of one region compare equal: case, spaces, punctuation and the
administrative prefix (`Kab.`, `Kabupaten`, `Kota`, `Kec.`, `Prov.`) do not matter, so
`Kab. Bengkalis`, ` BENGKALIS` and `Bengkalis ` are one name. `Reference.resolve` turns a
typed name into the reference name for a code, or says why it cannot.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tpbis.errors import UsageError

LEVELS = ("provinsi", "kabupaten", "kecamatan")
# administrative words people put before a name; they carry no identity of their own
PREFIXES = re.compile(r"^(provinsi|prov|kabupaten|kab|kecamatan|kec|desa|ds|kelurahan|kel)\b\s*")
CITY = re.compile(r"^(kotamadya|kodya|kota)\b\s*")   # a kota stays a kota: Kab. and Kota Bekasi differ
ALIEN = object()          # resolve(): the name belongs to another region of the same level


def tidy(text: str) -> str:
    """Outer spaces removed, inner runs of whitespace made one space."""
    return " ".join((text or "").split())


def name_key(text: str) -> str:
    """`Kab. Bengkalis` -> `bengkalis`; `KOTA  Pekanbaru` / `Kodya Pekanbaru` -> `kota pekanbaru`."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    words = " ".join(re.sub(r"[^\w]+", " ", folded).split())
    bare = PREFIXES.sub("", words).strip() or words
    city = CITY.sub("", bare).strip()
    return f"kota {city}" if city != bare and city else bare


@dataclass(frozen=True)
class Region:
    code: str
    level: str
    name: str


class NameConflict(UsageError, ValueError):
    """Two regions of one level share a name: slugs and name matching would be ambiguous."""


@dataclass(frozen=True)
class Reference:
    regions: dict[str, Region]

    def get(self, code: str) -> Region | None:
        return self.regions.get(code)

    def of_level(self, level: str) -> list[Region]:
        return sorted((r for r in self.regions.values() if r.level == level), key=lambda r: r.code)

    def resolve(self, code: str, typed: str):
        """The reference name for `code` given the name a person typed.

        Returns the reference name (None when the code is unknown), or ALIEN when `typed` is the
        name of ANOTHER region of that level (the row then names two regions at once). A blank
        or unrecognised name resolves to the reference: the code decides.
        """
        region = self.regions.get(code)
        if region is None:
            return None
        key = name_key(typed)
        if not key or key == name_key(region.name):
            return region.name
        parent = code.rsplit(".", 1)[0]
        others = {name_key(r.name) for r in self.of_level(region.level)
                  if r.code != code and r.code.rsplit(".", 1)[0] == parent}
        # `Pekanbaru` is Kota Pekanbaru's name too, typed without `Kota`
        return ALIEN if key in others | {CITY.sub("", k) for k in others} else region.name

    def find(self, level: str, text: str) -> Region | None:
        """A region of `level` by its code (`14.03`) or any spelling of its name."""
        text = tidy(text)
        if text in self.regions and self.regions[text].level == level:
            return self.regions[text]
        key = name_key(text.replace("-", " "))
        found = [r for r in self.of_level(level) if name_key(r.name) == key]
        if not found:       # `Pekanbaru` for Kota Pekanbaru, when no kabupaten has that name
            found = [r for r in self.of_level(level) if CITY.sub("", name_key(r.name)) == key]
        return found[0] if len(found) == 1 else None


def load_reference(config_dir: Path) -> Reference:
    """config/regions.csv (columns kode, level, nama, parent); refuses ambiguous names."""
    path = (Path(config_dir) / "regions.csv").absolute()
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"Region reference cannot be read: {path} ({getattr(e, 'strerror', None) or e})") from None
    if rows and not {"kode", "level", "nama"} <= set(rows[0]):
        raise UsageError(f"{path}: the header must name kode, level, nama, parent")
    regions = {tidy(r["kode"]): Region(tidy(r["kode"]), tidy(r["level"]), tidy(r["nama"])) for r in rows}
    seen: dict[tuple[str, str, str], str] = {}
    for r in regions.values():
        # kabupaten names must be unique in a province, kecamatan names in a kabupaten
        parent = r.code.rsplit(".", 1)[0] if "." in r.code else ""
        k = (r.level, parent, name_key(r.name))
        if k in seen:
            raise NameConflict(f"{path}: {r.code} and {seen[k]} are both named {r.name!r}")
        seen[k] = r.code
    return Reference(regions)
