"""What other apps may hear of survey answers without surveys knowing them (the ticket
rating, ratings, sits on a higher floor and connects in its ``ready()``, as it does to
kpis.transitions).

``answers_saved`` is sent by ``surveys.services.save_response`` inside its transaction,
after the answers were stored or changed, with ``invitation_id`` (int), ``survey_kind``
(a SurveyKind value: a receiver for one survey skips the others without a query) and
``values`` ({question key: value or text}, as saved). A receiver that writes does so in the same
transaction; one that queues work queues it on commit.
"""

from django.dispatch import Signal

answers_saved = Signal()
