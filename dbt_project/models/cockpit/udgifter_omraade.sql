select * from {{ ref('mart_udgifter_omraade') }}
