{#- A tilbud-level relation with `nordjysk_socialaftale`: whether the tilbud lies in one of the
    11 municipalities (its beliggenhedskommune in the tilbud register; NULL when the tilbud is
    not in the register or its municipality is unknown). The yearly report keeps the rows that
    are not false (report/warehouse.py `Warehouse.in_agreement`, docs/report.md). `relation` has
    a column `tilbudsnr`. -#}
{% macro with_nordjysk_socialaftale(relation) %}
select
    m.*,
    cast(k.nordjysk_socialaftale as boolean) as nordjysk_socialaftale
from {{ relation }} as m
left join {{ ref('dim_tilbud') }} as t on m.tilbudsnr = t.tilbudsnr
left join {{ ref('dim_kommune') }} as k on t.beliggenhedskommune = k.kommunekode
{% endmacro %}
