"""The reference data that drives parsing and validation, read once from config/*.csv.

This is the only module in `transforms/` that touches the file system. Everything a
province officer might want to change without touching code lives in those files: header
texts and aliases (columns.csv), categories, their synonyms and default strategies
(categories.csv), messages to librarians (messages.csv) and place-name spellings
(name_variants.csv). Loading checks them, so a typo fails at start-up, not mid-sync.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from transforms.headers import header_keys
from transforms.rules import ALL_REASONS, KINDS, NUMBER_KINDS
from transforms.text import normalise_place_name, simple_key

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
if not DEFAULT_CONFIG_DIR.is_dir():     # an installed wheel ships config/ inside the tpbis package
    DEFAULT_CONFIG_DIR = Path(__file__).resolve().parent.parent / "tpbis" / "_resources" / "config"

# Which categories.csv kind each category-like column kind reads.
CATEGORY_KINDS = {
    "category_kegiatan": "kegiatan",
    "category_mitra": "mitra",
    "category_dampak": "dampak",
    "strategy": "strategi",
}
OTHER_CATEGORY = "Lainnya"


@dataclass(frozen=True)
class ColumnSpec:
    """One row of config/columns.csv: a template column (or a Profil field)."""

    tab: str
    field: str
    header: str
    kind: str
    required: bool
    prefilled: bool       # the template fills it in advance, so alone it does not make a data row
    aliases: tuple[str, ...]
    maximum: int | float | None = None    # plausible upper bound (config/bounds.csv): above is out_of_range


@dataclass(frozen=True)
class MessageSpec:
    """One row of config/messages.csv: the Indonesian message of a stable reason code."""

    reason: str
    severity: str         # "reject" or "warning"
    template: str         # placeholders {row} {column} {value} {detail} {tab}


@dataclass(frozen=True)
class Reference:
    """Everything the parser needs from config/, read once per run and shared by all villages
    (frozen; its mappings are read-only, hashable and picklable)."""

    columns: Mapping[str, tuple[ColumnSpec, ...]]          # tab -> specs in template order
    header_lookup: Mapping[str, Mapping[str, str]]         # tab -> header_key -> field
    categories: Mapping[str, Mapping[str, str]]            # kind -> simple_key -> canonical value
    category_values: Mapping[str, tuple[str, ...]]         # kind -> canonical values in order
    default_strategy: Mapping[str, str]                    # Jenis Kegiatan -> TPBIS strategy
    messages: Mapping[str, MessageSpec]
    name_variants: Mapping[str, str]                       # normalised variant -> normalised canonical

    def spec(self, tab: str, field: str) -> ColumnSpec:
        return next(s for s in self.columns[tab] if s.field == field)


def _rows(path: Path, required: set[str]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _split(aliases: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in aliases.split("|") if a.strip())


def _load_columns(path: Path) -> tuple[dict, dict]:
    columns: dict[str, list[ColumnSpec]] = {}
    lookup: dict[str, dict[str, str]] = {}
    for line, row in enumerate(_rows(path, {"tab", "field", "header", "kind", "required", "aliases"}), start=2):
        spec = ColumnSpec(row["tab"], row["field"], row["header"], row["kind"], row["required"] == "1",
                          row.get("prefilled") == "1", _split(row["aliases"]))
        if spec.kind not in KINDS and spec.kind not in CATEGORY_KINDS:
            raise ValueError(f"{path}:{line}: unknown kind {spec.kind!r}")
        columns.setdefault(spec.tab, []).append(spec)
        keys = lookup.setdefault(spec.tab, {})
        for name in (spec.header, *spec.aliases):
            for key in header_keys(name)[:1]:
                if keys.get(key, spec.field) != spec.field:
                    raise ValueError(f"{path}:{line}: header {name!r} already names {keys[key]!r}")
                keys[key] = spec.field
    return {t: tuple(s) for t, s in columns.items()}, lookup


def _load_categories(path: Path) -> tuple[dict, dict, dict]:
    synonyms: dict[str, dict[str, str]] = {}
    values: dict[str, list[str]] = {}
    strategies: dict[str, str] = {}
    for line, row in enumerate(_rows(path, {"kind", "value", "strategy", "synonyms"}), start=2):
        kind, value = row["kind"], row["value"]
        values.setdefault(kind, []).append(value)
        if kind == "kegiatan":
            strategies[value] = row["strategy"]
        table = synonyms.setdefault(kind, {})
        for name in (value, *_split(row["synonyms"])):
            for key in {simple_key(name), simple_key(name).replace(" ", "")}:
                if table.get(key, value) != value:
                    raise ValueError(f"{path}:{line}: {name!r} is already a synonym of {table[key]!r}")
                table[key] = value
    known = set(values.get("strategi", ()))
    for category, strategy in strategies.items():
        if strategy not in known:
            raise ValueError(f"{path}: default strategy {strategy!r} of {category!r} is not a strategi row")
    for kind in CATEGORY_KINDS.values():
        if kind != "strategi" and OTHER_CATEGORY not in values.get(kind, ()):
            raise ValueError(f"{path}: kind {kind!r} needs a {OTHER_CATEGORY!r} row")
    return synonyms, values, strategies


def _load_messages(path: Path) -> dict[str, MessageSpec]:
    messages = {}
    for row in _rows(path, {"reason", "severity", "message"}):
        if row["severity"] not in ("reject", "warning"):
            raise ValueError(f"{path}: severity of {row['reason']!r} must be reject or warning")
        messages[row["reason"]] = MessageSpec(row["reason"], row["severity"], row["message"])
    missing = ALL_REASONS - set(messages)
    if missing:
        raise ValueError(f"{path}: no message for {sorted(missing)}")
    return messages


def _load_bounds(path: Path, columns: dict[str, tuple[ColumnSpec, ...]]) -> dict[str, tuple[ColumnSpec, ...]]:
    """Apply config/bounds.csv (tab, field, max): the plausible maximum of a number column.
    A missing file means no bounds; a bound on an unknown or non-number column is refused."""
    if not path.exists():
        return columns
    maxima: dict[tuple[str, str], int | float] = {}
    for line, row in enumerate(_rows(path, {"tab", "field", "max"}), start=2):
        spec = next((s for s in columns.get(row["tab"], ()) if s.field == row["field"]), None)
        if spec is None or spec.kind not in NUMBER_KINDS:
            raise ValueError(f"{path}:{line}: {row['tab']}.{row['field']} is not a number column of columns.csv")
        try:
            maximum = float(row["max"]) if spec.kind == "decimal" else int(row["max"])
        except ValueError:
            raise ValueError(f"{path}:{line}: max {row['max']!r} is not a number") from None
        if not maximum >= 0:
            raise ValueError(f"{path}:{line}: max must be 0 or more")
        maxima[(spec.tab, spec.field)] = maximum
    return {tab: tuple(replace(s, maximum=maxima.get((tab, s.field), s.maximum)) for s in specs)
            for tab, specs in columns.items()}


def _load_variants(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    variants = {}
    for row in _rows(path, {"variant", "canonical"}):
        canonical = normalise_place_name(row["canonical"])
        variants[normalise_place_name(row["variant"])] = canonical
        variants.setdefault(canonical, canonical)
    return variants


class FrozenMap(Mapping):
    """A read-only mapping that, unlike MappingProxyType, pickles and hashes: the Reference may
    be sent to worker processes or used as a cache key by the flows."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping):
        self._data = dict(data)
        self._hash = None

    def __getitem__(self, key):
        return self._data[key]

    # The Mapping mixins go through __getitem__ and exceptions; these are per-cell hot paths.
    def __contains__(self, key) -> bool:
        return key in self._data

    def get(self, key, default=None):
        return self._data.get(key, default)

    def __iter__(self):
        return iter(self._data)

    def keys(self):
        return self._data.keys()

    def values(self):
        return self._data.values()

    def items(self):
        return self._data.items()

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._data.items()))
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __reduce__(self):
        return (FrozenMap, (self._data,))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def _frozen(mapping: dict) -> FrozenMap:
    return FrozenMap({k: _frozen(v) if isinstance(v, dict) else v for k, v in mapping.items()})


def load_reference(config_dir: Path | str | None = None) -> Reference:
    """Read and check config/columns.csv, bounds.csv, categories.csv, messages.csv and name_variants.csv."""
    config = Path(config_dir) if config_dir is not None else DEFAULT_CONFIG_DIR
    columns, lookup = _load_columns(config / "columns.csv")
    columns = _load_bounds(config / "bounds.csv", columns)
    synonyms, values, strategies = _load_categories(config / "categories.csv")
    return Reference(
        columns=_frozen(columns),
        header_lookup=_frozen(lookup),
        categories=_frozen(synonyms),
        category_values=_frozen({k: tuple(v) for k, v in values.items()}),
        default_strategy=_frozen(strategies),
        messages=_frozen(_load_messages(config / "messages.csv")),
        name_variants=_frozen(_load_variants(config / "name_variants.csv")),
    )
