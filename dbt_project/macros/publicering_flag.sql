{#
  A flags view (cockpit.datakvalitet or cockpit.datakvalitet_historik) as BI users see it in the
  published file (docs/disclosure.md): rule, file, line, kommune, tilbud and period stay, so
  every flag still points at its registration; for a flag of a rule that reads postings the
  text, values, key (kommune + bilagsnr: a voucher number), its flag_id (an unkeyed md5 of rule
  and key: the voucher number is found by trying the few thousand candidates) and the steward's
  reason are left out, whatever its `kilde`: they name a case key, one citizen's amount or a few postings' sum
  (R16 compares the postings of a function with the accounts). The full text is in the build DB
  and in the municipality's work list (`cockpit worklist`). tests/test_bi_subset.py holds this
  list to every quality model that reads a posting model. Who decided (`besluttet_af`, a
  person's name) is left out of every flag: the work list and the build DB have it.
#}
{% macro publicering_flag(relation) -%}
with flag as (
    select
        *,
        kilde = 'posteringer' or regel in ('R01', 'R02', 'R03', 'R04', 'R05', 'R15', 'R16') as paa_posteringer
    from {{ relation }}
)

-- `replace` keeps the view's column order (the contract's, then the project's).
select
    * exclude (paa_posteringer) replace (
        case
            when paa_posteringer then regel_navn || ' (detaljer i kommunens arbejdsliste: cockpit worklist)'
            else beskrivelse
        end as beskrivelse,
        case when not paa_posteringer then vaerdi end as vaerdi,
        case when not paa_posteringer then forventet end as forventet,
        case when not paa_posteringer then flag_noegle end as flag_noegle,
        case when not paa_posteringer then flag_id end as flag_id,
        cast(null as varchar) as besluttet_af,
        case when not paa_posteringer then begrundelse end as begrundelse
    )
from flag
{%- endmacro %}
