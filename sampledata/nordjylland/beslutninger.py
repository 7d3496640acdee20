"""The data stewards' decisions (`beslutninger/`): DAS approved the 92 % occupancy of tilbud
1027's 2022 rate, so the planted R08 flag of that rate row is accepted (issue 22)."""

from __future__ import annotations

import hashlib

from sampledata.nordjylland.common import Landing

HEADER = ["Flag-id", "Beslutning", "Begrundelse", "Af", "Dato"]


def flag_id(rule: str, *key: str) -> str:
    """A flag's id as quality/dq_flag.sql makes it: md5 of the rule and the registration's key,
    `|` between them (the first registration with that key)."""
    return hashlib.md5("|".join((rule, *key)).encode()).hexdigest()


ACCEPTED_R08 = flag_id("R08", "1027", "Døgnophold", "2022")


def write_beslutninger(landing: Landing) -> None:
    rows = [
        (
            [
                ACCEPTED_R08,
                "accepteret",
                "Styregruppen (DAS) godkendte 92 % belægning for Døgnophold 2022",
                "Rammeaftalesekretariatet",
                "12-05-2022",
            ],
            [],
        )
    ]
    landing.csv("beslutninger/beslutninger.csv", HEADER, rows)
