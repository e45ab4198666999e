"""The region reference (config/regions.csv): Kemendagri codes and the names they carry.

The code decides the region (contract section 2); names typed in the registry are display
names, resolved against this reference. Pure logic plus one small CSV read: no pandas, so the
registry check that runs before anything else stays fast.
"""
from tpbis.regions.reference import (ALIEN, NameConflict, Reference, Region, load_reference,
                                     name_key, tidy)

__all__ = ["ALIEN", "NameConflict", "Reference", "Region", "load_reference", "name_key", "tidy"]
