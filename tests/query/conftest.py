"""The fixture wiki every query test starts from: knowledge, source, answer and hub pages, in English and German."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kwiki.project import Paths

PAGES = {
    "concepts/verifiability.md": """---
title: Verifiability
type: concept
summary: What can be checked automatically can be automated.
aliases: [verifiable tasks]
tags: [automation]
sources: ["2025/11.17.md"]
created: 2026-04-18
updated: 2026-04-18
---

# Verifiability

Software 1.0 automates what you can specify; Software 2.0 automates what you can verify
[[karpathy-2025-software-paradigm]]. Tasks with a checkable outcome improve fastest.

## Related
- [[jagged-intelligence]] · [[rlvr]]
""",
    "concepts/jagged-intelligence.md": """---
title: Jagged intelligence
type: concept
summary: Models are superhuman at some tasks and fail at simple ones.
aliases: [uneven capability]
tags: [llm]
sources: ["2025/12.20.md"]
created: 2026-04-18
updated: 2026-04-18
---

# Jagged intelligence

Language models solve olympiad problems yet miscount letters in a word [[karpathy-2025-software-paradigm]].
""",
    "methods/rlvr.md": """---
title: Reinforcement learning from verifiable rewards
type: method
summary: Training on tasks whose answers a program can check.
aliases: [RLVR]
tags: [rl]
sources: ["2025/11.17.md"]
created: 2026-04-18
updated: 2026-04-18
---

# Reinforcement learning from verifiable rewards

Models practise on maths and code puzzles; a checker grades each attempt and the reward shapes the policy.
""",
    "concepts/commonplace-book.md": """---
title: Commonplace book
type: concept
summary: A notebook of excerpts kept by topic.
aliases: []
tags: [notes]
sources: ["2025/01.09.md"]
created: 2026-04-18
updated: 2026-04-18
---

# Commonplace book

Readers copied passages under topic headings. Rereading them produced serendipity between distant ideas.
""",
    "concepts/gedaechtnispalast.md": """---
title: Gedächtnispalast
type: concept
summary: Eine Mnemotechnik mit Orten.
aliases: [Loci-Methode]
tags: [gedaechtnis]
sources: ["2025/02.01.md"]
created: 2026-04-18
updated: 2026-04-18
---

# Gedächtnispalast

Beim Gedächtnispalast legt man Erinnerungen an festen Orten eines vertrauten Gebäudes ab. Wer die Räume im
Kopf durchschreitet, findet jede Information wieder.
""",
    "sources/karpathy-2025-software-paradigm.md": """---
title: Karpathy on the software paradigm
type: source
summary: Posts on Software 2.0 and verifiability.
aliases: []
tags: [automation]
sources: ["2025/11.17.md"]
created: 2026-04-18
updated: 2026-04-18
---

# Karpathy on the software paradigm

Software 2.0 easily automates what you can verify. Verifiability is the new specifiability.
""",
    "answers/what-is-verifiability.md": """---
title: What is verifiability?
type: answer
question: What is verifiability?
cites: ["[[verifiability]]"]
sources: ["2025/11.17.md"]
tags: [answer]
created: 2026-04-18
updated: 2026-04-18
---

# What is verifiability?

Verifiability means a task's outcome can be checked [[verifiability]].
""",
    "index.md": "---\ntitle: Index\ntype: index\n---\n\n# Index\n\n"
    + "Verifiability, jagged intelligence, RLVR, commonplace book, serendipity, Gedächtnispalast.\n",
    "log.md": "# Log\n\n## [2026-04-18] ingest | Verifiability serendipity RLVR\n",
    "overview.md": "---\ntitle: Overview\ntype: overview\n---\n\n# Overview\n\nVerifiability and serendipity.\n",
}


def write_wiki(root: Path, pages: dict[str, str]) -> Paths:
    for rel, text in pages.items():
        target = root / "wiki" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return Paths(root)


@pytest.fixture
def make_wiki(tmp_path: Path) -> Callable[[dict[str, str]], Paths]:
    """A project at tmp_path whose wiki holds the given pages (wiki-relative path → text)."""

    def make(pages: dict[str, str]) -> Paths:
        (tmp_path / "kwiki.toml").write_text('provider = "extractive"\n', encoding="utf-8")
        (tmp_path / "raw").mkdir(exist_ok=True)
        return write_wiki(tmp_path, pages)

    return make


@pytest.fixture
def wiki(make_wiki: Callable[[dict[str, str]], Paths]) -> Paths:
    return make_wiki(PAGES)
