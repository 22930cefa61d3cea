"""Award the example catalog to the example roster and print the unsigned credentials.

Run from the repository root: ``python examples/demo.py`` (``make demo``).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from mcbadge import schema
from mcbadge.models.builders import award, evidence, load_catalog, load_profile, load_roster

EXAMPLES = Path(__file__).resolve().parent


def main() -> int:
    catalog = load_catalog(EXAMPLES / "catalog")
    issuer = load_profile(EXAMPLES / "issuer.json")
    issued_at = datetime.now(UTC).replace(microsecond=0)
    for row in load_roster(EXAMPLES / "roster.csv"):
        work = [evidence(row.evidence_url, narrative=row.narrative, genre="Classroom portfolio")]
        credential = award(
            catalog[row.achievement],
            issuer=issuer,
            recipient_email=row.email,
            achieved_level=row.achieved_level,
            evidence=work,
            valid_from=issued_at,
        )
        document = credential.to_json()
        schema.validate(document)
        print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
