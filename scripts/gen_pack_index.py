"""Compile the industry packs' alias index (playbooks/industries/index.json).

    python scripts/gen_pack_index.py > playbooks/industries/index.json   # after editing a pack

`sidomain plan` chooses a pack by the aliases in the index and parses only that pack; it
uses the index only while it was compiled from exactly the pack files beside it (size and
CRC-32 of each), else it reads every pack as before. tests/test_pack_index.py checks that
the committed index is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sidomain_cli.planning.packs import index_json  # noqa: E402

if __name__ == "__main__":
    sys.stdout.write(index_json())
