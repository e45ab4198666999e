"""The province portal (contract section 6): a read-only web application over the published
warehouse, served by `tpbis dashboard`. Users and their scopes live in a JSON file managed
with `tpbis users`; every page shows only the villages of the signed-in user's scope."""
