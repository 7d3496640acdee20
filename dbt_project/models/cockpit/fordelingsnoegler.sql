select * from {{ ref('mart_fordelingsnoegler') }}
