"""Deterministic synthetic knowledge base for benchmarks: N docs of 300-900 words, valid and linked.

Writes governance.yml, taxonomy.yml, pyproject.toml and kb/, sops/, playbooks/ under OUT. Every doc has
front-matter valid against the kbops schema (owners, products, tags, intents from the files written
alongside), the sections its type requires, one H1 equal to its title, H2/H3 headings, lists, and
relative links (some with anchors) to docs its audience may see; every doc is linked from another.
About 8% are Spanish or French translations that record their source's content hash.

    python bench/gen_corpus.py --docs 1000 --out bench/.corpus/1k

Importable: `generate_corpus(out, docs, seed=0)` returns a `GeneratedCorpus` listing what it wrote.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SCRIPTS = str(Path(__file__).resolve().parents[1] / "scripts")
if SCRIPTS not in sys.path:  # this checkout's kbops (hashing, anchors, section names) when run as a script
    sys.path.insert(0, SCRIPTS)

from kbops.publishing import AUDIENCE_LEVEL, audience_may_see  # noqa: E402

REFERENCE_DATE = "2026-11-01"  # last_reviewed dates fall in the year before this; lint with --today near it

TEAMS = {
    "cards-support": "Cards support",
    "payments-ops": "Payments operations",
    "banking-ops": "Banking operations",
    "accounting-support": "Accounting integrations support",
    "identity-team": "Identity and KYC",
    "compliance": "Compliance",
    "bpo-quality": "BPO quality",
    "support-ops": "Support operations",
}
PRODUCTS = {
    "cards": ("Cards", "Tarjetas", "Cartes"),
    "card-payments": ("Card payments", "Pagos con tarjeta", "Paiements par carte"),
    "top-ups": ("Top-ups", "Recargas", "Recharges"),
    "transfers": ("Transfers", "Transferencias", "Virements"),
    "invoices": ("Invoices", "Facturas", "Factures"),
    "reimbursements": ("Reimbursements", "Reembolsos", "Remboursements"),
    "accounting-exports": ("Accounting exports", "Exportaciones contables", "Exports comptables"),
    "account-access": ("Account access", "Acceso a la cuenta", "Accès au compte"),
    "identity-checks": ("Identity checks", "Verificación de identidad", "Vérification d'identité"),
}
TAGS = [
    "declines",
    "limits",
    "fees",
    "pin",
    "atm",
    "refunds",
    "chargebacks",
    "fraud",
    "kyc",
    "gdpr",
    "exports",
    "xero",
    "quickbooks",
    "sepa",
    "swift",
    "exchange-rates",
    "statements",
    "receipts",
    "approvals",
    "onboarding",
]
INTENTS = [
    "card_arrival",
    "card_not_working",
    "declined_card_payment",
    "pending_top_up",
    "top_up_failed",
    "transfer_not_received_by_recipient",
    "exchange_rate",
    "card_payment_fee_charged",
    "lost_or_stolen_card",
    "change_pin",
    "verify_my_identity",
    "cash_withdrawal_charge",
    "request_refund",
    "pending_transfer",
    "wrong_amount_of_cash_received",
    "beneficiary_not_allowed",
    "failed_transfer",
    "activate_my_card",
    "edit_personal_details",
    "passcode_forgotten",
    "unable_to_verify_identity",
    "direct_debit_payment_not_recognised",
]
QUERIES = [
    "my card was declined at a shop",
    "where is my new card",
    "top up still pending",
    "transfer has not arrived",
    "why was I charged a fee",
    "how do I change my PIN",
    "I lost my card",
    "verify my identity failed",
    "refund has not arrived",
    "export to xero failed",
    "reset my passcode",
    "wrong exchange rate applied",
    "cash machine gave the wrong amount",
    "approve an expense report",
    "card blocked after wrong PIN",
]
WORDS = (
    "customer agent card payment merchant account balance transfer limit statement invoice receipt refund "
    "approval manager ticket queue escalation verification identity document review policy team company "
    "employee expense report export ledger integration sync error status confirmation reference amount "
    "currency rate fee charge reversal dispute chargeback deadline business day partner contact channel "
    "chat phone email note record system dashboard setting option request response update check step"
).split()
VERBS = "check confirm open review verify record update send ask explain escalate close note compare share".split()
# Translations are written in their own language (lint's KB812 checks it), from the same kind of vocabulary.
WORDS_BY_LOCALE = {
    "en": WORDS,
    "es": (
        "cliente agente tarjeta pago comercio cuenta saldo transferencia límite extracto factura recibo reembolso "
        "aprobación responsable incidencia cola escalado verificación identidad documento revisión política equipo "
        "empresa empleado gasto informe exportación contabilidad integración error estado confirmación referencia "
        "importe moneda comisión cargo devolución disputa plazo día hábil socio contacto canal correo nota registro "
        "sistema panel ajuste opción solicitud respuesta actualización paso para con por desde según cuando"
    ).split(),
    "fr": (
        "client agent carte paiement commerçant compte solde virement plafond relevé facture reçu remboursement "
        "approbation responsable ticket file escalade vérification identité document revue politique équipe "
        "entreprise employé dépense rapport export comptabilité intégration erreur statut confirmation référence "
        "montant devise frais débit annulation litige délai jour ouvré partenaire contact canal courriel note "
        "dossier système tableau réglage option demande réponse mise étape pour avec par depuis selon quand"
    ).split(),
}
VERBS_BY_LOCALE = {
    "en": VERBS,
    "es": "revisa confirma abre verifica registra actualiza envía pregunta explica escala cierra anota compara comparte".split(),
    "fr": "vérifiez confirmez ouvrez contrôlez enregistrez mettez envoyez demandez expliquez escaladez fermez notez comparez partagez".split(),
}

SECTIONS = {
    "article": ["Overview", "Before you start", "Steps", "If it still does not work"],
    "sop": ["Purpose", "Scope", "Procedure", "Escalation"],
    "troubleshooting": ["Symptoms", "Cause", "Resolution"],
    "playbook": ["Trigger", "Steps", "Communication"],
}
SECTIONS_ES = {
    "Overview": "Resumen",
    "Before you start": "Antes de empezar",
    "Steps": "Pasos",
    "If it still does not work": "Si sigue sin funcionar",
    "Purpose": "Propósito",
    "Scope": "Alcance",
    "Procedure": "Procedimiento",
    "Escalation": "Escalamiento",
    "Symptoms": "Síntomas",
    "Cause": "Causa",
    "Resolution": "Resolución",
    "Trigger": "Disparador",
    "Communication": "Comunicación",
}


@dataclass
class GeneratedCorpus:
    root: Path
    paths: list[str] = field(default_factory=list)  # relpaths of every doc written, in generation order
    words: int = 0


@dataclass
class _Spec:
    index: int
    id: str
    title: str
    type: str
    relpath: str
    audience: str
    locale: str = "en"
    translation_of: int | None = None
    headings: list[str] = field(default_factory=list)
    status: str = "published"
    links: list[tuple[int, str]] = field(default_factory=list)  # (target index, anchor or "")


def _sentence(rng: random.Random, words: int, locale: str = "en") -> str:
    vocabulary = WORDS_BY_LOCALE.get(locale, WORDS)
    picked = [rng.choice(vocabulary) for _ in range(words)]
    picked[min(2, words - 1)] = rng.choice(VERBS_BY_LOCALE.get(locale, VERBS))
    return " ".join(picked).capitalize() + "."


def _paragraph(rng: random.Random, budget: int, locale: str = "en") -> tuple[str, int]:
    sentences, used = [], 0
    while used < budget:
        n = rng.randint(8, 22)
        sentences.append(_sentence(rng, n, locale))
        used += n
    return " ".join(sentences), used


def governance_yaml() -> dict:
    people = {}
    for _number, team in enumerate(TEAMS):
        for who in ("lead", "analyst"):
            key = f"{team}-{who}"
            people[key] = {"name": f"{TEAMS[team]} {who}", "emails": [f"{key}@northwind-spend.example"], "team": team}
    return {
        "teams": {k: {"name": v, "members": [f"{k}-lead", f"{k}-analyst"]} for k, v in TEAMS.items()},
        "people": people,
        "reviewer_groups": {"content-owners": {"description": "Team leads", "members": [f"{t}-lead" for t in TEAMS]}},
        "review_intervals": {"default": {"low": "1y", "medium": "1y", "high": "1y"}},
        "due_soon": "14d",
        "compliance_tags": {"gdpr": "EU data protection"},
        "approval_policies": [],
    }


def taxonomy_yaml() -> dict:
    return {
        "products": {k: {"label": en, "es": es, "fr": fr} for k, (en, es, fr) in PRODUCTS.items()},
        "tags": {t: {"label": t.replace("-", " ").capitalize()} for t in TAGS},
        "intents": {i: {"label": i.replace("_", " ").capitalize()} for i in INTENTS},
    }


def _plan(rng: random.Random, count: int) -> list[_Spec]:
    specs: list[_Spec] = []
    translated: set[tuple[int, str]] = set()
    for index in range(count):
        kind = rng.choices(["article", "sop", "troubleshooting", "playbook"], weights=[5, 2, 2, 1])[0]
        audience = "internal" if index < 2 else rng.choices(["public", "partner", "internal"], weights=[5, 3, 2])[0]
        if kind == "sop" and audience == "public":
            audience = "partner"
        product = rng.choice(list(PRODUCTS))
        topic = rng.choice(TAGS)
        title = f"{PRODUCTS[product][0]}: {rng.choice(VERBS)} {topic.replace('-', ' ')} {rng.choice(WORDS)} {index}"
        doc_id = f"{product}-{topic}-{index}"
        folder = {
            "article": f"kb/{product}",
            "sop": f"sops/{topic}",
            "troubleshooting": "playbooks/troubleshooting",
            "playbook": "playbooks/escalation",
        }[kind]
        spec = _Spec(index, doc_id, title, kind, f"{folder}/{doc_id}.md", audience)
        spec.status = "published" if index < 2 else rng.choices(["published", "draft", "review"], weights=[8, 1, 1])[0]
        if index > 10 and rng.random() < 0.08:
            source = rng.randrange(index)
            locale = rng.choice(["es", "fr"])
            if specs[source].locale == "en" and (source, locale) not in translated:
                translated.add((source, locale))
                spec.locale = locale
                spec.status = "published"
                spec.translation_of = source
                spec.type = specs[source].type
                spec.audience = specs[source].audience
                spec.id = f"{specs[source].id}-{spec.locale}"
                spec.title = f"{specs[source].title} ({spec.locale})"
                spec.relpath = specs[source].relpath[:-3] + f".{spec.locale}.md"
        specs.append(spec)
    return specs


def _link_plan(rng: random.Random, specs: list[_Spec]) -> None:
    """Every published doc is linked from an earlier published doc its readers may follow; plus random links."""
    best_linker: dict[int, int] = {}  # audience rank -> latest published doc with at least that rank
    for spec in specs:
        if spec.status != "published":
            continue
        rank = AUDIENCE_LEVEL[spec.audience]
        if spec.index:
            specs[best_linker[rank]].links.append((spec.index, ""))
        for level in range(rank + 1):
            best_linker[level] = spec.index
    if len(specs) > 1:
        specs[1].links.append((0, ""))  # docs 0 and 1 are published internal docs: 0 links to 1 above
    for spec in specs:
        for _ in range(rng.randint(1, 3)):
            target = specs[rng.randrange(len(specs))]
            if (
                target.index != spec.index
                and target.status == "published"
                and audience_may_see(spec.audience, target.audience)
            ):
                spec.links.append((target.index, "anchor"))


def _section_names(spec: _Spec) -> list[str]:
    from kbops.model.sections import SECTION_NAMES

    names = SECTIONS[spec.type]
    if spec.locale == "en":
        return names
    localized = SECTION_NAMES.get(spec.locale, {})
    return [localized.get(n) or (SECTIONS_ES[n] if spec.locale == "es" else n) for n in names]


def _body(rng: random.Random, spec: _Spec, specs: list[_Spec]) -> tuple[str, int]:
    target_words = rng.randint(300, 900) * 2 // 3  # lists, links and headings add the rest
    sections = _section_names(spec)
    per_section = max(40, target_words // len(sections))
    lines = [f"# {spec.title}", ""]
    words = 0
    pending_links = list(spec.links)
    for number, name in enumerate(sections):
        lines += [f"## {name}", ""]
        paragraph, used = _paragraph(rng, per_section // 2, spec.locale)
        words += used
        if pending_links:
            target_index, anchor = pending_links.pop()
            target = specs[target_index]
            href = os.path.relpath(target.relpath, os.path.dirname(spec.relpath)).replace(os.sep, "/")
            if anchor:
                href += "#" + _slug(_section_names(target)[0])
            paragraph += f" See [{target.title}]({href})."
        lines += [paragraph, ""]
        if number == 1:
            lines += [f"### {rng.choice(VERBS).capitalize()} the {rng.choice(WORDS)}", ""]
        items = rng.randint(2, 5)
        for item in range(1, items + 1):
            sentence = _sentence(rng, rng.randint(6, 14), spec.locale)
            words += len(sentence.split())
            lines.append(f"{item}. {sentence}" if spec.type in ("sop", "playbook") else f"- {sentence}")
        lines.append("")
        paragraph, used = _paragraph(rng, per_section - per_section // 2, spec.locale)
        words += used
        lines += [paragraph, ""]
    while pending_links:
        target = specs[pending_links.pop()[0]]
        href = os.path.relpath(target.relpath, os.path.dirname(spec.relpath)).replace(os.sep, "/")
        lines += [f"- [{target.title}]({href})"]
    return "\n".join(lines).rstrip() + "\n", words


def _slug(text: str) -> str:
    from kbops.model.document import slugify

    return slugify(text)


def _front_matter(rng: random.Random, spec: _Spec, specs: list[_Spec], hashes: dict[int, str]) -> dict:
    product = spec.id.split("-")[0] if spec.id.split("-")[0] in PRODUCTS else None
    for key in PRODUCTS:
        if spec.id.startswith(key + "-"):
            product = key
    reviewed = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    meta = {
        "id": spec.id,
        "title": spec.title,
        "description": f"What to do about {spec.title.split(': ', 1)[-1]} for {spec.audience} readers.",
        "type": spec.type,
        "status": spec.status,
        "audience": spec.audience,
        "owner": rng.choice(list(TEAMS)),
        "product": product,
        "tags": rng.sample(TAGS, rng.randint(1, 3)),
        "intents": rng.sample(INTENTS, rng.randint(1, 2)),
        "locale": spec.locale,
        "last_reviewed": reviewed,
        "review_every": "1y",
        "risk": rng.choice(["low", "medium", "high"]),
        "classification": {"public": "public", "partner": "internal", "internal": "confidential"}[spec.audience],
        "sample_queries": rng.sample(QUERIES, 2),
    }
    if spec.translation_of is not None:
        meta["translation_of"] = specs[spec.translation_of].id
        meta["source_hash"] = hashes[spec.translation_of]
    return meta


def generate_corpus(out: Path, docs: int, seed: int = 0) -> GeneratedCorpus:
    """Write a synthetic knowledge base of `docs` documents under `out` (deterministic for a given seed)."""
    from kbops.model.hashing import content_hash

    rng = random.Random(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "governance.yml").write_text(
        yaml.safe_dump(governance_yaml(), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    (out / "taxonomy.yml").write_text(
        yaml.safe_dump(taxonomy_yaml(), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    (out / "pyproject.toml").write_text(
        '[tool.kbops]\nroots = ["kb", "sops", "playbooks"]\nlocales = ["en", "es", "fr"]\n', encoding="utf-8"
    )
    specs = _plan(rng, docs)
    _link_plan(rng, specs)
    result = GeneratedCorpus(out)
    hashes: dict[int, str] = {}
    for spec in specs:
        body, words = _body(rng, spec, specs)
        meta = _front_matter(rng, spec, specs, hashes)
        hashes[spec.index] = content_hash(meta, body)
        path = out / spec.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
        path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
        result.paths.append(spec.relpath)
        result.words += words
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="number of documents (e.g. 1000, 10000, 50000)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.docs < 1:
        parser.error("--docs must be at least 1")
    corpus = generate_corpus(args.out, args.docs, args.seed)
    print(f"{len(corpus.paths)} docs, {corpus.words} words under {corpus.root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
