-- The yearly net cost of each case: Dranst 1 postings of one municipality with one
-- pseudonymous Borgerreference in one booking year, credits (user payments, other income on
-- the case) netted. A reference masked by the CPR guard (R15) is no case key: every masked
-- value reads the same, so those postings are kept apart (mart: udgift_maskeret_noegle_kr).
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where dranst = 1 and borgerreference is not null
)

select
    kommunekode,
    cast(year(bogfoeringsdato) as integer) as aar,
    borgerreference,
    borgerreference = '{{ var("cpr_mask", "XXXXXX-XXXX") }}' as maskeret,
    cast(sum(beloeb_kr) as decimal(18, 2)) as udgift_kr,
    count(*) as antal_poster
from posteringer
group by all
