import json
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import IntegrityError
from django.db.models import Avg, Count, Exists, OuterRef
from django.db.models.functions import TruncQuarter
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_manager, manager_required
from core.one_time_forms import FIELD, one_time_form
from core.periods import quarter_label
from core.tokens import new_token

from . import charts, services
from .evidence import measured_evidence
from .forms import AssessmentForm, TeamRoundForm
from .models import Assessment, Questionnaire, TeamRound

# Results of visitors without an account are not stored anywhere on the server: they live
# in a signed cookie in the visitor's browser, each under a random token.
VISITOR_COOKIE = "assessment_visitor_results"
VISITOR_COOKIE_MAX_AGE = 30 * 24 * 3600
VISITOR_RESULTS_KEPT = 5


def _current_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.current()
    if questionnaire is None:
        raise Http404(_("No questionnaire has been published yet."))
    return questionnaire


def _questionnaire_for_submission(request) -> Questionnaire:
    """The version the form was shown with, if it is published; else the current one."""
    version = request.POST.get("version", "")
    # ASCII digits of sensible length only: "²".isdigit() is true but int("²") fails, and
    # int() refuses numbers of more than 4300 digits.
    if version.isascii() and version.isdigit() and len(version) <= 9:
        questionnaire = Questionnaire.objects.published().filter(version=int(version)).first()
        if questionnaire is not None:
            return questionnaire
    return _current_questionnaire()


def _get_assessment_for_user(request, public_id) -> Assessment:
    """A stored assessment its owner or a manager may see; 404 for everyone else."""
    assessment = get_object_or_404(
        Assessment.objects.select_related("user", "questionnaire", "team_round"),
        public_id=public_id,
    )
    if assessment.user_id != request.user.pk and not is_manager(request.user):
        raise Http404
    return assessment


def _get_round_for_user(request, pk) -> tuple[TeamRound, bool]:
    """A team round for a manager or an invited member (404 for anyone else), and whether
    the user is a member."""
    team_round = get_object_or_404(TeamRound.objects.select_related("opened_by"), pk=pk)
    is_member = team_round.members.filter(pk=request.user.pk).exists()
    if not is_member and not is_manager(request.user):
        raise Http404
    return team_round, is_member


def _result_context(request, content, result, on_date) -> dict:
    return {
        "content": content,
        "questionnaire": content.questionnaire,
        "result": result,
        "radar": charts.result_radar(result),
        "evidence": measured_evidence(request.user, on_date),
        "scale": {label.value: label.label for label in content.scale},
    }


# --- The self-assessment ------------------------------------------------------------------


@one_time_form
def start(request):
    """The questionnaire on one page. Signed-in users' results are stored; a visitor's
    result is kept only in a signed cookie in their browser.

    A signed-in user's form carries a one-time token, so a double click stores one result
    and the second click is shown it. A visitor's form has none: nothing is stored on the
    server, and the result the browser keeps is the one of the response it shows."""
    if request.method == "POST":
        content = services.load_content(_questionnaire_for_submission(request))
        form = AssessmentForm(content, request.POST)
        if form.is_valid():
            answers = form.answers()
            if request.user.is_authenticated:
                assessment = services.store_assessment(request.user, content, answers)
                messages.success(request, _("Your assessment has been saved."))
                return redirect("assessments:result", public_id=assessment.public_id)
            token, stored = _remember_visitor_result(request, content.questionnaire, answers)
            response = redirect("assessments:visitor_result", token=token)
            response.set_signed_cookie(
                VISITOR_COOKIE,
                json.dumps(stored, separators=(",", ":")),
                salt=VISITOR_COOKIE,
                max_age=VISITOR_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    else:
        content = services.load_content(_current_questionnaire())
        form = AssessmentForm(content)
    token = new_token() if request.user.is_authenticated else None
    return _form_page(request, form, form_token=token, form_token_field=FIELD)


def _form_page(request, form: AssessmentForm, **extra):
    """The questionnaire page, for one's own assessment or a team round's."""
    context = {"form": form, "content": form.content, "questionnaire": form.content.questionnaire}
    return render(request, "assessments/form.html", {**context, **extra})


def _visitor_results(request) -> dict:
    """The visitor's results from their signed cookie; {} when absent or tampered with."""
    try:
        raw = request.get_signed_cookie(
            VISITOR_COOKIE, salt=VISITOR_COOKIE, max_age=VISITOR_COOKIE_MAX_AGE
        )
        stored = json.loads(raw)
    except (KeyError, signing.BadSignature, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _remember_visitor_result(request, questionnaire, answers) -> tuple[str, dict]:
    """A new token and the cookie's content with this result added (newest few kept)."""
    token = secrets.token_urlsafe(16)
    stored = _visitor_results(request)
    stored[token] = {
        "questionnaire": questionnaire.pk,
        "answers": {str(k): v for k, v in answers.items()},
        "taken": timezone.now().isoformat(timespec="seconds"),
    }
    # Dicts keep insertion order; the cookie must stay well below 4 KB.
    return token, dict(list(stored.items())[-VISITOR_RESULTS_KEPT:])


def visitor_result(request, token):
    entry = _visitor_results(request).get(token)
    if entry is None:
        raise Http404(_("This result is not available (any more) in this browser."))
    questionnaire = get_object_or_404(Questionnaire, pk=entry["questionnaire"])
    content = services.load_content(questionnaire)
    try:
        answers = {int(k): int(v) for k, v in entry["answers"].items()}
        result = services.single_result(content, answers)
    except (KeyError, ValueError) as exc:
        raise Http404 from exc
    context = _result_context(request, content, result, timezone.localdate())
    context["stored"] = False
    return render(request, "assessments/result.html", context)


@login_required
def result(request, public_id):
    assessment = _get_assessment_for_user(request, public_id)
    content = services.load_content(assessment.questionnaire)
    outcome = services.result_of(assessment, content)
    context = _result_context(request, content, outcome, timezone.localdate(assessment.created_at))
    context.update({"stored": True, "assessment": assessment})
    return render(request, "assessments/result.html", context)


# --- History --------------------------------------------------------------------------------


def _history_context(request, owner) -> dict:
    points = services.history_for(Assessment.objects.personal().filter(user=owner))
    context = {"owner": owner, "points": points, "latest": points[-1] if points else None}
    if points:
        latest = points[-1].assessment
        content = services.load_content(latest.questionnaire)
        context["area_names"] = {area.key: area.name for area in content.areas}
        context["chart"] = charts.history_lines(points, context["area_names"])
        context["latest_result"] = services.result_of(latest, content)
        context["evidence"] = measured_evidence(request.user, timezone.localdate())
        context["rows"] = list(reversed(points))
    return context


def _team_context() -> dict:
    """Every team member's latest personal assessment and its change, and the team's mean
    overall score per quarter (aggregated in the database)."""
    latest_two: dict[int, list] = {}
    for assessment in (
        Assessment.objects.personal()
        .select_related("user", "phase")
        .order_by("user_id", "-created_at", "-pk")
    ):
        entries = latest_two.setdefault(assessment.user_id, [])
        if len(entries) < 2:
            entries.append(assessment)
    members = []
    for entries in latest_two.values():
        latest = entries[0]
        change = latest.overall_score - entries[1].overall_score if len(entries) > 1 else None
        members.append({"user": latest.user, "latest": latest, "change": change})
    members.sort(key=lambda m: (m["user"].last_name, m["user"].username))
    quarters = (
        Assessment.objects.personal()
        .annotate(quarter=TruncQuarter("created_at"))
        .values("quarter")
        .annotate(average=Avg("overall_score"), count=Count("id"))
        .order_by("quarter")
    )
    rows = [(quarter_label(q["quarter"]), q["average"]) for q in quarters]
    return {"team_members": members, "team_chart": charts.team_lines(rows) if rows else None}


@login_required
def history(request):
    context = _history_context(request, request.user)
    if is_manager(request.user):
        context.update(_team_context())
    return render(request, "assessments/history.html", context)


@manager_required
def member_history(request, user_id):
    owner = get_object_or_404(get_user_model(), pk=user_id)
    context = _history_context(request, owner)
    return render(request, "assessments/history.html", context)


# --- Team rounds ----------------------------------------------------------------------------


@login_required
def round_list(request):
    manager = is_manager(request.user)
    rounds = (
        TeamRound.objects.visible_to(request.user, manager)
        .select_related("opened_by")
        .annotate(
            invited=Count("members", distinct=True),
            answered=Count("submissions", distinct=True),
            i_am_member=Exists(
                TeamRound.members.through.objects.filter(
                    teamround_id=OuterRef("pk"), user_id=request.user.pk
                )
            ),
            i_answered=Exists(
                Assessment.objects.filter(team_round=OuterRef("pk"), user_id=request.user.pk)
            ),
        )
    )
    today = timezone.localdate()
    rows = [{"round": r, "open": r.is_open(today)} for r in rounds]
    return render(request, "assessments/round_list.html", {"rows": rows, "today": today})


@manager_required
@one_time_form
def round_create(request):
    form = TeamRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team_round = services.open_round(
            name=form.cleaned_data["name"],
            opened_by=request.user,
            members=form.cleaned_data["members"],
            closes_on=form.cleaned_data["closes_on"],
        )
        messages.success(
            request, _("The round is open. The invited members receive an e-mail with the link.")
        )
        return redirect("assessments:round_detail", pk=team_round.pk)
    return render(request, "assessments/round_form.html", {"form": form})


@login_required
def round_detail(request, pk):
    team_round, is_member = _get_round_for_user(request, pk)
    mine = team_round.submissions.filter(user=request.user).select_related("questionnaire").first()
    manager = is_manager(request.user)
    content = services.load_content(team_round.questionnaire)
    context = {
        "round": team_round,
        "is_member": is_member,
        "is_round_manager": manager,
        "is_open": team_round.is_open(),
        "mine": mine,
        "questionnaire": content.questionnaire,
    }
    if mine is not None:
        context["my_result"] = services.result_of(mine, content)
    # Members see the team's result once they have answered; managers always.
    if manager or mine is not None:
        outcome = services.round_result(team_round, content)
        context["round_result"] = outcome
        if outcome.result is not None:
            context["radar"] = charts.round_radar(outcome.result)
    if manager:
        context["members"] = services.invitation_states(team_round)
        context["failed_invitations"] = any(
            row["invitation"] and row["invitation"].status == "failed" for row in context["members"]
        )
    return render(request, "assessments/round_detail.html", context)


@login_required
def round_answer(request, pk):
    team_round, is_member = _get_round_for_user(request, pk)
    if not is_member:
        raise Http404
    if team_round.submissions.filter(user=request.user).exists():
        messages.info(request, _("You have already answered in this round."))
        return redirect("assessments:round_detail", pk=team_round.pk)
    if not team_round.is_open():
        messages.warning(request, _("This round is closed; answers are no longer accepted."))
        return redirect("assessments:round_detail", pk=team_round.pk)
    content = services.load_content(team_round.questionnaire)
    form = AssessmentForm(content, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.store_assessment(request.user, content, form.answers(), team_round=team_round)
        except IntegrityError:
            messages.info(request, _("You have already answered in this round."))
        else:
            messages.success(request, _("Thank you, your answers are saved."))
        return redirect("assessments:round_detail", pk=team_round.pk)
    return _form_page(request, form, team_round=team_round)


@require_POST
@manager_required
def round_resend(request, pk):
    """Send the failed invitation e-mails of an open round again."""
    team_round = get_object_or_404(TeamRound, pk=pk)
    count = services.resend_failed(team_round)
    messages.success(request, _("%(count)s invitation(s) queued again.") % {"count": count})
    return redirect("assessments:round_detail", pk=team_round.pk)


@require_POST
@manager_required
def round_close(request, pk):
    team_round = get_object_or_404(TeamRound, pk=pk)
    if team_round.closed_at is None:
        team_round.closed_at = timezone.now()
        team_round.save(update_fields=["closed_at"])
        messages.success(request, _("The round is closed."))
    return redirect("assessments:round_detail", pk=team_round.pk)
