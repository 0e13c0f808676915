"""A small deterministic synthetic KB for the search benchmark (used when bench/gen_corpus.py is absent).

Bodies are built from Banking77 customer sentences (PolyAI, CC-BY-4.0) so term statistics look like
real support text; ~20% Spanish and French docs; audiences 70/20/10 public/partner/internal.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ES = (
    "la tarjeta fue rechazada en el comercio",
    "revisa el límite de gasto en la aplicación",
    "la recarga sigue pendiente",
    "el reembolso tarda cinco días hábiles",
    "verifica tu identidad con el pasaporte",
    "la transferencia no ha llegado",
    "contraseña olvidada y cuenta bloqueada",
    "el cajero no entregó el efectivo",
    "comisión por cambio de divisa",
)
FR = (
    "la carte a été refusée chez le commerçant",
    "vérifiez le plafond de dépenses dans l'application",
    "le rechargement est toujours en attente",
    "le remboursement prend cinq jours ouvrés",
    "vérifiez votre identité avec un passeport",
    "le virement n'est pas arrivé",
    "mot de passe oublié et compte bloqué",
)
TYPES = (("kb", "article"), ("sops", "sop"), ("playbooks", "troubleshooting"), ("playbooks", "playbook"))


def banking77_sentences() -> list[tuple[str, str]]:
    from shared_data import banking77_csv

    with banking77_csv().open(encoding="utf-8") as handle:
        return [(row["text"].strip(), row["category"]) for row in csv.DictReader(handle)]


def write_corpus(out: Path, docs: int, seed: int = 7) -> Path:
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(seed)
    sentences = banking77_sentences()
    out.mkdir(parents=True)
    shutil.copy2(REPO / "taxonomy.yml", out / "taxonomy.yml")
    (out / "governance.yml").write_text("# synthetic benchmark corpus\n", encoding="utf-8")
    (out / "pyproject.toml").write_text('[tool.kbops]\nroots = ["kb", "sops", "playbooks"]\n', encoding="utf-8")
    for number in range(docs):
        folder, doc_type = TYPES[number % len(TYPES)]
        locale = rng.choices(("en", "es", "fr"), weights=(80, 12, 8))[0]
        audience = rng.choices(("public", "partner", "internal"), weights=(70, 20, 10))[0]
        status = rng.choices(("published", "deprecated", "draft"), weights=(90, 5, 5))[0]
        picked = rng.sample(sentences, 24)
        intent = picked[0][1]
        title = f"{picked[0][0].rstrip('?.!')[:90]} ({number})"
        if locale != "en":
            title = f"{rng.choice(ES if locale == 'es' else FR).capitalize()} ({number})"
        if locale == "en":
            paragraphs = [" ".join(s for s, _ in picked[i : i + 4]) for i in range(0, 24, 4)]
        else:
            pool = ES if locale == "es" else FR
            paragraphs = [" ".join(rng.choice(pool).capitalize() + "." for _ in range(5)) for _ in range(6)]
        headings = ["Symptoms", "Causes", "What to do", "Escalation", "Notes", "Related"]
        body = f"# {title}\n\n" + "\n\n".join(f"## {h}\n\n{p}" for h, p in zip(headings, paragraphs)) + "\n"
        queries = ", ".join(
            s.replace(",", " ").replace(":", " ").replace("[", " ").replace("]", " ").replace('"', " ")[:80]
            for s, _ in picked[:2]
        )
        front = (
            f'---\nid: doc-{number:05d}\ntitle: "{title.replace(chr(34), "")}"\n'
            f"description: Synthetic benchmark document number {number} about {intent.replace('_', ' ')}.\n"
            f"type: {doc_type}\nstatus: {status}\naudience: {audience}\nowner: support-ops\nlocale: {locale}\n"
            f"intents: [{intent}]\nsample_queries: [{queries}]\n---\n"
        )
        path = out / folder / f"area-{number % 50:02d}" / f"doc-{number:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front + body, encoding="utf-8")
    return out
