"""Version 1 of the questionnaire, created by ``post_migrate`` when it is missing.

The "Self-Assessment zur MSP-Reife" published by LogMeIn (Jen Six, 26 September 2025).
German text verbatim as published; English translations ours. A published version is
frozen; this module only ever creates version 1 where no version 1 exists, so it never
touches a database that already has it (edited or not).
"""

from decimal import Decimal

from django.apps import apps as global_apps
from django.db import transaction
from django.utils import timezone

from core.reference_data import reference_model

TITLE = ("Self-Assessment zur MSP-Reife", "MSP maturity self-assessment")
SOURCE = (
    "Self-Assessment zur MSP-Reife, veröffentlicht von LogMeIn, September 2025",
    "MSP maturity self-assessment published by LogMeIn, September 2025",
)

SCALE = [
    (1, "Stimme überhaupt nicht zu", "Strongly disagree"),
    (2, "Stimme nicht zu", "Disagree"),
    (3, "Neutral", "Neutral"),
    (4, "Stimme zu", "Agree"),
    (5, "Stimme voll und ganz zu", "Strongly agree"),
]

PHASES = [
    # key, German, English, from, up to (excluding; the last includes it), characteristics
    (
        "reactive",
        "Reaktiv",
        "Reactive",
        "1.00",
        "2.00",
        "Break/Fix, wenig Struktur, keine sich wiederholenden Prozesse, Bekämpfung dringender Probleme",
        "Break/fix, little structure, no repeatable processes, fighting urgent problems",
    ),
    (
        "stable",
        "Stabil",
        "Stable",
        "2.00",
        "3.00",
        "Gewisse Standardisierung, vielleicht undokumentiert oder inkonsistent",
        "Some standardisation, perhaps undocumented or inconsistent",
    ),
    (
        "proactive",
        "Proaktiv",
        "Proactive",
        "3.00",
        "4.00",
        "Starke Systeme, proaktiver Service im Gegensatz zu übermäßigen Tickets, operative Effizienz",
        "Strong systems, proactive service instead of excessive tickets, operational efficiency",
    ),
    (
        "scalable",
        "Skalierbar",
        "Scalable",
        "4.00",
        "5.00",
        "Optimierte Prozesse, regelmäßige Einnahmen, erweiterte Dienstleistungen und Pakete, skalierbarer Betrieb",
        "Optimised processes, recurring revenue, extended services and packages, scalable operations",
    ),
]

AREAS = [
    {
        "key": "processes",
        "name": ("Prozesse und Betrieb", "Processes and operations"),
        "statements": [
            (
                "standardised_onboarding",
                "Wir haben unsere Prozesse für das Onboarding und Offboarding von Kunden standardisiert.",
                "We have standardised our processes for onboarding and offboarding clients.",
            ),
            (
                "sla_targets_met",
                "Unser Team überwacht regelmäßig die Leistung und erreicht stets die Ziel-SLAs.",
                "Our team monitors its performance regularly and always meets the target SLAs.",
            ),
            (
                "procedures_documented",
                "Wir dokumentieren Verfahren und technische Korrekturmaßnahmen für sich wiederholende Aufgaben.",
                "We document procedures and technical fixes for recurring tasks.",
            ),
            (
                "workflows_optimised",
                "Wir überwachen, durchlaufen und optimieren unsere Workflows regelmäßig.",
                "We monitor, review and optimise our workflows regularly.",
            ),
            (
                "proactive_resolution",
                "Wir identifizieren proaktiv Ineffizienzen und Engpässe und arbeiten daran, sie zu beheben.",
                "We proactively identify inefficiencies and bottlenecks and work on resolving them.",
            ),
        ],
        "tips": {
            "reactive": (
                "Wählen Sie ein wiederkehrendes Problem aus und schreiben Sie eine kurze SOP (Standard Operating Procedure) zu dessen Lösung. Dokumentation reduziert das Chaos.",
                "Pick one recurring problem and write a short SOP (standard operating procedure) for solving it. Documentation reduces chaos.",
            ),
            "stable": (
                "Wählen Sie eine Person in Ihrem Team, die für die Dokumentation und die Entwicklung von Kernprozessen wie Onboarding zuständig ist. Klar definierte Verantwortlichkeiten erhöhen die Effizienz.",
                "Choose one person in your team to own documentation and the development of core processes such as onboarding. Clearly defined responsibilities increase efficiency.",
            ),
            "proactive": (
                "Betrachten Sie Prozesse mit hohem Volumen (wie Patching) und führen Sie eine Automatisierung ein. Die Automatisierung von manuellen Aufgaben spart Zeit und Geld.",
                "Look at high-volume processes (such as patching) and introduce automation. Automating manual tasks saves time and money.",
            ),
            "scalable": (
                "Stellen Sie sicher, dass neue Teammitglieder und neue Standorte die Prozesse problemlos implementieren können. Führen Sie regelmäßig Audits in allen Teams durch, um Konsistenz zu gewährleisten und sicherzustellen, dass SOPs eingehalten werden.",
                "Make sure new team members and new locations can adopt the processes without difficulty. Audit all teams regularly to keep things consistent and to make sure SOPs are followed.",
            ),
        },
    },
    {
        "key": "technology",
        "name": ("Technologie und Automatisierung", "Technology and automation"),
        "statements": [
            (
                "psa_rmm_in_daily_use",
                "Unsere PSA- und RMM-Systeme sind vollständig implementiert und werden täglich genutzt.",
                "Our PSA and RMM systems are fully implemented and used every day.",
            ),
            (
                "repetitive_tasks_automated",
                "Wir automatisieren sich wiederholende Aufgaben wie Patching, Ticket-Weiterleitung und Berichterstattung.",
                "We automate repetitive tasks such as patching, ticket routing and reporting.",
            ),
            (
                "tools_integrated",
                "Unsere Tools sind nahtlos integriert, um eine funktionsübergreifende Sichtbarkeit zu gewährleisten.",
                "Our tools are seamlessly integrated to provide visibility across functions.",
            ),
            (
                "technology_modernised",
                "Wir bewerten und modernisieren unsere Technologielösungen, um unsere Bedürfnisse zu erfüllen und Ineffizienzen zu reduzieren.",
                "We evaluate and modernise our technology solutions to meet our needs and reduce inefficiencies.",
            ),
            (
                "tool_usage_measured",
                "Wir verfolgen und messen den Nutzungsgrad von Tools, um Optimierungsmöglichkeiten zu identifizieren.",
                "We track and measure how much our tools are used to identify opportunities for optimisation.",
            ),
        ],
        "tips": {
            "reactive": (
                "Identifizieren Sie Ihre wichtigsten Tools (wie PSA und RMM) und stellen Sie sicher, dass alle Kunden mit denselben Technologielösungen unterstützt werden.",
                "Identify your most important tools (such as PSA and RMM) and make sure all clients are supported with the same technology solutions.",
            ),
            "stable": (
                "Zahlen Sie für Tools, die doppelte Funktionen erfüllen? Konsolidieren Sie diese, um Zeit und Geld zu sparen.",
                "Are you paying for tools that do the same job twice? Consolidate them to save time and money.",
            ),
            "proactive": (
                "Investieren Sie in Tools, die sich nahtlos ineinander integrieren lassen, um Workflows zu verbessern und manuelle Aufgaben zu reduzieren.",
                "Invest in tools that integrate seamlessly with each other to improve workflows and reduce manual tasks.",
            ),
            "scalable": (
                "Beginnen Sie mit einer vierteljährlichen technischen Überprüfung, um die Nutzung, Kosteneffizienz und potenzielle Lücken zu bewerten.",
                "Start a quarterly technology review to assess usage, cost efficiency and potential gaps.",
            ),
        },
    },
    {
        "key": "customers",
        "name": ("Kundenzufriedenheit und Kundenbindung", "Client satisfaction and retention"),
        "statements": [
            (
                "qbrs_held",
                "Wir legen großen Wert auf die Beziehung zu unseren Kunden und führen regelmäßig QBRs durch, um unseren Wert zu demonstrieren.",
                "We place great value on our client relationships and hold regular QBRs to demonstrate our value.",
            ),
            (
                "csat_nps_tracked",
                "Wir verfolgen CSAT- und NPS-Werte nach, um zu verstehen, wie unsere Kunden ihre Erfahrungen mit uns bewerten.",
                "We track CSAT and NPS scores to understand how our clients rate their experience with us.",
            ),
            (
                "support_times_benchmarks",
                "Die Reaktions- und Lösungszeiten unseres Supports entsprechen durchweg unseren Benchmarks.",
                "Our support's response and resolution times consistently meet our benchmarks.",
            ),
            (
                "proactive_communication",
                "Wir kommunizieren konsequent und proaktiv mit unseren Kunden auch außerhalb von Support-Tickets.",
                "We communicate consistently and proactively with our clients, also outside of support tickets.",
            ),
            (
                "personalised_marketing",
                "Wir haben eine Vertriebs- und Marketingstrategie, die es uns ermöglicht, die Kommunikation mit unseren Kunden basierend auf ihren Bedürfnissen zu personalisieren und zu segmentieren.",
                "We have a sales and marketing strategy that lets us personalise and segment our communication with clients based on their needs.",
            ),
        ],
        "tips": {
            "reactive": (
                "Melden Sie sich bei Ihren Kunden außerhalb des Ticket-Supports – senden Sie ihnen eine E-Mail mit 2 Fragen, um ihre Zufriedenheit zu ermitteln.",
                "Get in touch with your clients outside of ticket support – send them an e-mail with 2 questions to find out how satisfied they are.",
            ),
            "stable": (
                "Verpflichten Sie sich zu einem QBR in diesem Quartal. Vereinbaren Sie einen Termin mit einem wichtigen Kunden und verwenden Sie eine einfache Vorlage, um zu zeigen, was Sie geleistet haben.",
                "Commit to one QBR this quarter. Book a meeting with a key client and use a simple template to show what you have delivered.",
            ),
            "proactive": (
                "Personalisieren Sie die Kommunikation. Gehen Sie proaktiv auf Ihre Kunden zu, um Meilensteine wie Jubiläen oder große Erfolge zu feiern.",
                "Personalise your communication. Reach out to your clients proactively to celebrate milestones such as anniversaries or big successes.",
            ),
            "scalable": (
                "Erstellen Sie ein Kundenerfolgs-Playbook mit sich wiederholenden und unkomplizierten Prozessen für Onboarding, QBRs und laufende Kommunikation.",
                "Create a customer success playbook with repeatable, straightforward processes for onboarding, QBRs and ongoing communication.",
            ),
        },
    },
    {
        "key": "revenue",
        "name": ("Umsatz und Wachstum", "Revenue and growth"),
        "statements": [
            (
                "service_tiers_defined",
                "Wir haben klar definierte Servicestufen und Preispakete.",
                "We have clearly defined service tiers and pricing packages.",
            ),
            (
                "predictable_revenue",
                "Wir verfügen über beträchtliche, vorhersehbare und stetige Einnahmen.",
                "We have substantial, predictable and steady revenue.",
            ),
            (
                "churn_tracked",
                "Wir verfolgen aktiv die Kundenabwanderung, den Kundenwert und die Rentabilität nach.",
                "We actively track client churn, client value and profitability.",
            ),
            (
                "upselling_identified",
                "Wir identifizieren regelmäßig Upselling-Möglichkeiten, die mit den gewünschten Kundenergebnissen verbunden sind.",
                "We regularly identify upselling opportunities tied to the outcomes our clients want.",
            ),
            (
                "prices_reviewed",
                "Im vergangenen Jahr haben wir unsere Preise überprüft und Anpassungen vorgenommen.",
                "In the past year we have reviewed our prices and made adjustments.",
            ),
        ],
        "tips": {
            "reactive": (
                "Überprüfen Sie die Preise. Beginnen Sie mit einem langjährigen Kunden und prüfen Sie, ob die Preise für Ihre Dienstleistungen die Rentabilität unterstützen.",
                "Review your prices. Start with a long-standing client and check whether the prices of your services support profitability.",
            ),
            "stable": (
                "Verfolgen Sie Abwanderung nach, um zu verstehen, wann und warum Kunden abwandern. Erkennen Sie Muster und Schwachstellen und beginnen Sie, diese zu beheben.",
                "Track churn to understand when and why clients leave. Spot patterns and weak points and start fixing them.",
            ),
            "proactive": (
                "Erstellen Sie eine Upselling-Kampagne, indem Sie eine Dienstleistung (z.\u00a0B. MDM) auswählen und sie 3 Kunden anbieten, die sie derzeit nicht nutzen.",
                "Create an upselling campaign: pick one service (e.g. MDM) and offer it to 3 clients who do not use it yet.",
            ),
            "scalable": (
                "Prognostizieren Sie das Wachstum nach Kundensegmenten. Ein Einblick in die Kundengrößen und Branchen, die am profitabelsten sind, kann Ihnen Aufschluss über zukünftige Verkaufsstrategien geben.",
                "Forecast growth by client segment. Knowing which client sizes and industries are the most profitable can inform your future sales strategies.",
            ),
        },
    },
]


def ensure_version_1(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: create published version 1 unless a version 1 exists."""
    Questionnaire = reference_model(apps, using, "assessments", "Questionnaire")
    if Questionnaire is None:
        return
    if Questionnaire.objects.using(using).filter(version=1).exists():
        return
    with transaction.atomic(using=using):
        _create_version_1(apps, using)


def _create_version_1(apps, using: str) -> None:
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    ScaleLabel = apps.get_model("assessments", "ScaleLabel")
    Phase = apps.get_model("assessments", "Phase")
    Area = apps.get_model("assessments", "Area")
    Statement = apps.get_model("assessments", "Statement")
    Tip = apps.get_model("assessments", "Tip")
    # Built as a draft (content of a published version is frozen) and published at the end.
    questionnaire = Questionnaire.objects.using(using).create(
        version=1,
        title_de=TITLE[0],
        title_en=TITLE[1],
        source_de=SOURCE[0],
        source_en=SOURCE[1],
        created_at=timezone.now(),
    )
    for value, label_de, label_en in SCALE:
        ScaleLabel.objects.using(using).create(
            questionnaire=questionnaire, value=value, label_de=label_de, label_en=label_en
        )
    phases = {}
    for order, (key, name_de, name_en, low, high, chars_de, chars_en) in enumerate(PHASES, 1):
        phases[key] = Phase.objects.using(using).create(
            questionnaire=questionnaire,
            key=key,
            order=order,
            name_de=name_de,
            name_en=name_en,
            min_score=Decimal(low),
            max_score=Decimal(high),
            characteristics_de=chars_de,
            characteristics_en=chars_en,
        )
    for order, spec in enumerate(AREAS, 1):
        area = Area.objects.using(using).create(
            questionnaire=questionnaire,
            key=spec["key"],
            order=order,
            name_de=spec["name"][0],
            name_en=spec["name"][1],
        )
        for position, (key, text_de, text_en) in enumerate(spec["statements"], 1):
            Statement.objects.using(using).create(
                area=area, key=key, order=position, text_de=text_de, text_en=text_en
            )
        for phase_key, (text_de, text_en) in spec["tips"].items():
            Tip.objects.using(using).create(
                area=area, phase=phases[phase_key], text_de=text_de, text_en=text_en
            )
    Questionnaire.objects.using(using).filter(pk=questionnaire.pk).update(
        published_at=timezone.now()
    )
