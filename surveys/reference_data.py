"""The surveys and their questions, and the survey settings, as reference data.

Created by ``post_migrate`` where missing. Managers may edit texts in the admin
afterwards; only what is missing is created, so an edited text is never overwritten.
"""

from django.apps import apps as global_apps

from core.reference_data import reference_model

# The in-depth survey's promise, in the words of the publication rule
# (surveys/publication.py): per quarter, from five different people.
INTRO_IN_DEPTH = (
    "Etwa fünf Minuten. Ausgewertet wird nur je Quartal zusammengefasst und erst, wenn "
    "mindestens fünf verschiedene Personen geantwortet haben; niemand sieht deine "
    "einzelnen Antworten.",
    "About five minutes. Results are only shown per quarter as aggregates, and only once "
    "at least five different people have answered; nobody sees your individual answers.",
)

SATISFIED = ("sehr unzufrieden", "very dissatisfied", "sehr zufrieden", "very satisfied")
ZERO_TEN = ("überhaupt nicht", "not at all", "voll und ganz", "completely")


def scale(key, de, en, lo, hi, labels=SATISFIED, metric="", required=True):
    return {
        "key": key,
        "type": "scale",
        "metric": metric,
        "text_de": de,
        "text_en": en,
        "scale_min": lo,
        "scale_max": hi,
        "label_min_de": labels[0],
        "label_min_en": labels[1],
        "label_max_de": labels[2],
        "label_max_en": labels[3],
        "required": required,
    }


def text(key, de, en):
    return {
        "key": key,
        "type": "text",
        "metric": "",
        "text_de": de,
        "text_en": en,
        "scale_min": 0,
        "scale_max": 1,
        "required": False,
    }


SURVEYS = [
    {
        "kind": "client_onboarding",
        "title_de": "Ihre Zufriedenheit mit dem Onboarding",
        "title_en": "Your satisfaction with onboarding",
        "intro_de": "Sie sind seit Kurzem bei uns. Wie erleben Sie den Start? "
        "Die Umfrage dauert etwa zwei Minuten.",
        "intro_en": "You have recently joined us. How is the start going for you? "
        "The survey takes about two minutes.",
        "questions": [
            scale(
                "overall_satisfaction",
                "Wie zufrieden sind Sie insgesamt mit Ihrem bisherigen Onboarding?",
                "Overall, how satisfied are you with your onboarding so far?",
                1,
                5,
                metric="csat",
            ),
            scale(
                "recommend",
                "Wie wahrscheinlich ist es, dass Sie uns einem Kollegen oder "
                "Geschäftspartner weiterempfehlen?",
                "How likely is it that you would recommend us to a colleague or business partner?",
                0,
                10,
                labels=(
                    "sehr unwahrscheinlich",
                    "not at all likely",
                    "sehr wahrscheinlich",
                    "extremely likely",
                ),
                metric="nps",
            ),
            scale(
                "support_effort",
                "Wie einfach ist es für Sie, von uns Support zu erhalten?",
                "How easy is it for you to get support from us?",
                1,
                7,
                labels=("sehr schwierig", "very difficult", "sehr einfach", "very easy"),
                metric="ces",
            ),
            scale(
                "contract_closing",
                "Wie zufrieden sind Sie mit der Schnelligkeit und Leichtigkeit des "
                "Vertragsabschlusses und der Verhandlungen?",
                "How satisfied are you with the speed and ease of contract closing and "
                "negotiation?",
                1,
                5,
            ),
            scale(
                "finalising_responsiveness",
                "Wie zufrieden sind Sie mit unserer Reaktionsfähigkeit während der Finalisierung?",
                "How satisfied are you with our responsiveness while finalising?",
                1,
                5,
            ),
            scale(
                "asset_discovery",
                "Wie gut haben wir Ihren Asset-Bestand und Ihre Servicebeziehungen "
                "erfasst und ermittelt?",
                "How well did we register and discover your assets and service relationships?",
                1,
                5,
                labels=("sehr schlecht", "very poorly", "sehr gut", "very well"),
            ),
            text(
                "comment",
                "Möchten Sie uns noch etwas mitteilen?",
                "Is there anything else you would like to tell us?",
            ),
        ],
    },
    {
        "kind": "technician_onboarding",
        "title_de": "Wie lief das Onboarding des Kunden?",
        "title_en": "How did the client onboarding go?",
        "intro_de": "Deine Antworten werden nur zusammengefasst ausgewertet, nie einzeln.",
        "intro_en": "Your answers are only ever shown as aggregates, never one by one.",
        "questions": [
            scale(
                "sales_handover",
                "Wie vollständig waren die Informationen aus dem Vertrieb über den Kunden "
                "und seine Kontakte?",
                "How complete was the information handed over from sales about the client "
                "and its contacts?",
                1,
                5,
                labels=("sehr lückenhaft", "very incomplete", "vollständig", "complete"),
            ),
            scale(
                "onboarding_tools",
                "Wie gut haben Tools und Workflow das Onboarding unterstützt?",
                "How well did the tools and workflow support the onboarding?",
                1,
                5,
                labels=("sehr schlecht", "very poorly", "sehr gut", "very well"),
            ),
            scale(
                "discovery_tools",
                "Wie gut funktionierten die Discovery- und Asset-Onboarding-Tools?",
                "How well did the discovery and asset-onboarding tools work?",
                1,
                5,
                labels=("sehr schlecht", "very poorly", "sehr gut", "very well"),
            ),
            scale(
                "manual_work",
                "Wie gut war die manuelle Arbeit zu bewältigen, wo Automatisierung fehlte?",
                "How manageable was the manual work where automation was missing?",
                1,
                5,
                labels=("kaum", "hardly", "problemlos", "easily"),
            ),
            scale(
                "workload_peaks",
                "Wie gut waren die Arbeitsspitzen während dieses Onboardings zu bewältigen?",
                "How manageable were the workload peaks during this onboarding?",
                1,
                5,
                labels=("kaum", "hardly", "problemlos", "easily"),
            ),
            scale(
                "overall_onboarding",
                "Wie zufrieden bist du insgesamt mit diesem Onboarding?",
                "Overall, how satisfied are you with this onboarding?",
                1,
                5,
            ),
            text(
                "comment",
                "Was hätte dir dieses Onboarding erleichtert?",
                "What would have made this onboarding easier for you?",
            ),
        ],
    },
    {
        "kind": "pulse",
        "title_de": "Wie war deine Woche?",
        "title_en": "How was your week?",
        "intro_de": "Ein Klick genügt. Deine Antwort hilft deiner Führungskraft, "
        "rechtzeitig nachzufragen.",
        "intro_en": "One click is enough. Your answer helps your manager check in "
        "with you in time.",
        "questions": [
            scale(
                "week",
                "Wie war deine Woche?",
                "How was your week?",
                1,
                5,
                labels=("sehr schlecht", "very bad", "sehr gut", "very good"),
                metric="pulse",
            ),
            text(
                "comment",
                "Möchtest du noch etwas dazu sagen? (freiwillig)",
                "Anything you would like to add? (optional)",
            ),
        ],
    },
    {
        "kind": "ticket_rating",
        "title_de": "Wie zufrieden waren Sie mit unserer Hilfe?",
        "title_en": "How satisfied were you with our help?",
        "intro_de": "Ein Klick auf ein Gesicht genügt.",
        "intro_en": "One click on a face is enough.",
        "questions": [
            # Always stored on 1..5: with three faces bad, neutral and good are 1, 3, 5, so
            # one rule (4 or 5 is positive) counts both (ratings.metrics).
            scale(
                "rating",
                "Wie zufrieden waren Sie mit der Bearbeitung Ihres Tickets?",
                "How satisfied were you with how your ticket was handled?",
                1,
                5,
                labels=("unzufrieden", "dissatisfied", "sehr zufrieden", "very satisfied"),
                metric="ticket_rating",
            ),
            text(
                "comment",
                "Möchten Sie uns noch etwas mitteilen? (freiwillig)",
                "Anything you would like to tell us? (optional)",
            ),
            scale(
                "may_contact",
                "Dürfen wir Sie dazu kontaktieren?",
                "May we contact you about it?",
                0,
                1,
                labels=("nein", "no", "ja", "yes"),
                required=False,
            ),
        ],
    },
    {
        "kind": "in_depth",
        "title_de": "Ausführliche Umfrage zu deiner Arbeit",
        "title_en": "In-depth survey about your work",
        "intro_de": INTRO_IN_DEPTH[0],
        "intro_en": INTRO_IN_DEPTH[1],
        "questions": [
            scale(
                "ease_of_job",
                "Wie leicht fällt es dir, deine Arbeit gut zu machen?",
                "How easy is it for you to do your job well?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "stress",
                "Wie gut ist dein Stressniveau zu bewältigen?",
                "How manageable is your level of stress?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "workload",
                "Wie angemessen sind Ticketvolumen und Erwartungen an deine Arbeitsbelastung?",
                "How reasonable are the ticket volume and the workload expectations?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "client_growth",
                "Wie gut verkraftet deine tägliche Arbeit das Kundenwachstum und die Onboardings?",
                "How well does your daily work cope with client growth and onboarding?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "on_call",
                "Wie angemessen sind die Erwartungen an die Rufbereitschaft nach Feierabend?",
                "How reasonable are the on-call expectations after hours?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "pay_benefits",
                "Wie zufrieden bist du mit Gehalt und Zusatzleistungen?",
                "How satisfied are you with pay and benefits?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "career",
                "Wie zufrieden bist du mit deiner Karriereentwicklung?",
                "How satisfied are you with your career development?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "tools",
                "Wie gut helfen dir deine Tools bei der Arbeit?",
                "How well do your tools help you in your work?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "management",
                "Wie zufrieden bist du mit der Führung?",
                "How satisfied are you with management?",
                0,
                10,
                labels=ZERO_TEN,
            ),
            scale(
                "job_satisfaction",
                "Wie zufrieden bist du insgesamt mit deiner Arbeit?",
                "Overall, how satisfied are you with your job?",
                0,
                10,
                labels=ZERO_TEN,
                metric="job_satisfaction",
            ),
            text(
                "improve_first",
                "Was sollten wir als Erstes verbessern?",
                "What should we improve first?",
            ),
            text(
                "support_process",
                "Was würde unseren Supportprozess verbessern?",
                "What would improve our support process?",
            ),
            text(
                "like_most",
                "Was gefällt dir an deiner Arbeit hier?",
                "What do you like about your work here?",
            ),
        ],
    },
]


def ensure_surveys(*, apps=global_apps, using: str = "default", **kwargs) -> None:
    """post_migrate handler: create missing surveys, questions and the settings row."""
    Survey = reference_model(apps, using, "surveys", "Survey")
    if Survey is None:
        return
    Question = apps.get_model("surveys", "Question")
    SurveySettings = apps.get_model("surveys", "SurveySettings")
    for definition in SURVEYS:
        definition = dict(definition)
        questions = definition.pop("questions")
        survey, _ = Survey.objects.using(using).get_or_create(
            kind=definition["kind"], defaults=definition
        )
        for position, question in enumerate(questions, start=1):
            Question.objects.using(using).get_or_create(
                survey=survey,
                key=question["key"],
                defaults={**question, "position": position * 10},
            )
    if not SurveySettings.objects.using(using).exists():
        SurveySettings.objects.using(using).create(pk=1)  # row 1: see SingletonModel
