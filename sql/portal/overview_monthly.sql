-- Visitors by month (L/P) over the scope, $from_month inclusive to $to_month exclusive.
select month,
    sum(visitors_male)::bigint   as visitors_male,
    sum(visitors_female)::bigint as visitors_female
from p_monthly
where starts_with(kode_kecamatan, $prefix)
  and month >= $from_month and month < $to_month
group by month
order by month;
