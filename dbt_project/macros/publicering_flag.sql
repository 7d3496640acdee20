{#
  A flags view (cockpit.datakvalitet or cockpit.datakvalitet_historik) as BI users see it in the
  published file (docs/disclosure.md): rule, file, line, kommune, tilbud and period stay, so
  every flag still points at its registration; for a flag of a rule that reads postings the
  text, values, key (kommune + bilagsnr: a voucher number) and the steward's reason are left
  out, whatever its `kilde`: they name a case key, one citizen's amount or a few postings' sum
  (R16 compares the postings of a function with the accounts). The full text is in the build DB
  and in the municipality's work list (`cockpit worklist`). tests/test_bi_subset.py holds this
  list to every quality model that reads a posting model.
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
        case when not paa_posteringer then begrundelse end as begrundelse
    )
from flag
{%- endmacro %}
