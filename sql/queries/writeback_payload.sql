-- The cells of one spreadsheet ($spreadsheet_key) as its latest fetch landed them (JSON:
-- {tab title: rows}): where each header is, so a Validasi line can link to its cell.
select p.payload
from raw.fetches f
join raw.payloads p using (content_hash)
where f.spreadsheet_key = $spreadsheet_key
order by f.fetched_at desc
limit 1;
