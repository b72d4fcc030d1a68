"""One person per language, each reaching a different status (judged on AS_OF, 2026-06-15).

Dates are typed the ways people type them (dots, a two-digit year, a month name in
their language), so the walk also checks that the web accepts what the bot accepts.
"""

from __future__ import annotations

from .browsing import Persona

WORKER_IN_MOSCOW = Persona(
    name="Uzbek worker with a paid patent in Moscow (ru)",
    locale="ru",
    answers={
        "citizenship": "UZ", "in_russia": "yes", "in_registry": "no",
        "entry_date": "10.01.2026", "purpose": "work", "region": "moscow",
        "document": "patent", "patent_issue_date": "31 января 2026",
        "patent_paid_until": "14.07.2026", "contract_copy_filed": "yes",
        "registered": "yes", "biometrics_done": "yes", "medical_date": "20.01.26",
        "amina": "yes",
    },
    stored={
        "entry_date": "2026-01-10", "patent_issue_date": "2026-01-31",
        "patent_paid_until": "2026-07-14", "medical_date": "2026-01-20",
    },
)  # fmt: skip

EAEU_WORKER = Persona(
    name="Kyrgyz worker on a contract in St Petersburg (ky)",
    locale="ky",
    answers={
        "citizenship": "KG", "in_russia": "yes", "in_registry": "no",
        "entry_date": "01.03.2026", "purpose": "work", "region": "spb",
        "document": "eaeu_contract", "contract_end_date": "31.12.2026",
        "registered": "yes", "biometrics_done": "yes", "medical_date": "5.3.2026",
    },
    stored={"entry_date": "2026-03-01", "contract_end_date": "2026-12-31", "medical_date": "2026-03-05"},
)  # fmt: skip

LAPSED_PATENT = Persona(
    name="Tajik worker whose patent payments stopped (tg)",
    locale="tg",
    answers={
        "citizenship": "TJ", "in_russia": "yes", "in_registry": "no",
        "entry_date": "05.02.2026", "purpose": "work", "region": "other",
        "document": "patent", "patent_issue_date": "20.02.2026",
        "patent_paid_until": "20.05.2026", "contract_copy_filed": "yes",
        "registered": "yes", "biometrics_done": "yes", "medical_date": "25.02.2026",
    },
    stored={
        "entry_date": "2026-02-05", "patent_issue_date": "2026-02-20",
        "patent_paid_until": "2026-05-20", "medical_date": "2026-02-25",
    },
)  # fmt: skip

PLANNING_TO_COME = Persona(
    name="Uzbek planning to come, ban not checked (uz)",
    locale="uz",
    answers={"citizenship": "UZ", "in_russia": "no", "entry_ban": "unknown"},
)

ON_THE_REGISTRY = Persona(
    name="Uzbek on the controlled persons registry (uz_Cyrl)",
    locale="uz_Cyrl",
    answers={"citizenship": "UZ", "in_russia": "yes", "in_registry": "yes"},
)

PERSONAS = (WORKER_IN_MOSCOW, EAEU_WORKER, LAPSED_PATENT, PLANNING_TO_COME, ON_THE_REGISTRY)
