-- The cells of the given fetches ($hashes: content hashes), for one chunk of `tpbis replay`.
select content_hash, payload
from raw.payloads
where content_hash in (select unnest($hashes::varchar[]));
