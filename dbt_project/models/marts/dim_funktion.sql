-- Chart-of-accounts functions of 5.38 and 5.28 (reference seed, with whether the name is confirmed).
select
    cast(funktion as varchar) as funktion,
    cast(funktion_kode as varchar) as funktion_kode,
    cast(hovedfunktion as varchar) as hovedfunktion,
    cast(funktionsnavn as varchar) as funktionsnavn,
    cast(paragraf as varchar) as paragraf,
    cast(i_cockpit as boolean) as i_cockpit,
    cast(navn_bekraeftet as boolean) as navn_bekraeftet
from {{ ref('funktioner') }}
