select
    tilbudsnr,
    tilbudsnavn,
    driftsherre,
    driftsherretype,
    beliggenhedskommune,
    paragraf,
    normerede_pladser,
    godkendt_fra,
    godkendt_til
from {{ ref('stg_tilbud__tilbud') }}
