-- R11 (fejl, belaegning and sikrede): more places in operation than normed places. Equal is fine.
with belaegning as (
    select
        'belaegning' as kilde,
        tilbudsnr,
        cast(null as varchar) as institution,
        maaned,
        normerede_pladser,
        pladser_i_drift,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_belaegning__maaned') }}
),

sikrede as (
    select
        'sikrede' as kilde,
        cast(null as integer) as tilbudsnr,
        institution,
        maaned,
        normerede_pladser,
        pladser_i_drift,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_sikrede__maaned') }}
),

flag as (
    select * from (
        select * from belaegning
        union all
        select * from sikrede
    )
    where pladser_i_drift > normerede_pladser
)

select
    cast('R11' as varchar) as regel,
    cast('Flere pladser i drift end normeret' as varchar) as regel_navn,
    cast('fejl' as varchar) as alvorlighed,
    cast(kilde as varchar) as kilde,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje,
    cast(null as varchar) as kommunekode,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(strftime(maaned, '%Y-%m') as varchar) as periode,
    cast(
        coalesce('Tilbud ' || tilbudsnr, institution, '?') || ', ' || strftime(maaned, '%Y-%m') || ': '
        || {{ dk_number('pladser_i_drift', 0) }} || ' pladser i drift overstiger '
        || {{ dk_number('normerede_pladser', 0) }} || ' normerede pladser'
        as varchar) as beskrivelse,
    cast({{ dk_number('pladser_i_drift', 0) }} as varchar) as vaerdi,
    cast('højst ' || {{ dk_number('normerede_pladser', 0) }} as varchar) as forventet,
    cast(_load_id as varchar) as load_id
from flag
