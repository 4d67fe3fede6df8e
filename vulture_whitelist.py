"""Names vulture cannot see used: `make lint` passes this module beside the product packages.

vulture reads Python only. What Django, Celery, gunicorn and the templates reach by a
string (a dotted path in the settings, a field name in an ORM lookup or `list_display`,
`{{ obj.attribute }}`) looks unused to it. Hooks that any class may define by name
(`Meta`, `list_display`, `clean_*`, `ready`, ...) and functions registered by a decorator
are left out by the options in the Makefile; this module lists the rest, by reason.
Never executed: each line only mentions a name. A name that leaves the code can leave
here too (vulture does not complain about it).
"""

# ruff: noqa: B018, F821

# --- Reached by dotted path in msp_maturity/settings.py or the deployment --------------
# MIDDLEWARE, AUTHENTICATION_BACKENDS, TEMPLATES' context processors, LOGGING filters,
# the back office's `default_site`, gunicorn's --logger-class, urls.handler500.
LanguageMiddleware
PrivateCacheMiddleware
ThrottleBackend
role_context
navigation
RedactSurveyTokens
BackOfficeSite
RedactingLogger
server_error

# --- Settings Django, Celery and crispy-forms read by name -------------------------------
(SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, INSTALLED_APPS, MIDDLEWARE, ROOT_URLCONF)
(WSGI_APPLICATION, TEMPLATES, DEFAULT_AUTO_FIELD, CACHES, AUTHENTICATION_BACKENDS)
(AUTH_PASSWORD_VALIDATORS, LOCALE_PATHS, USE_I18N, USE_TZ, LOGGING, SERVER_EMAIL)
(LOGIN_URL, LOGIN_REDIRECT_URL, LOGOUT_REDIRECT_URL)
(STATIC_URL, STATIC_ROOT, STATICFILES_DIRS, STORAGES)
(FILE_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_MEMORY_SIZE)
(SECURE_CSP, X_FRAME_OPTIONS, SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY)
(SECURE_SSL_REDIRECT, SECURE_REDIRECT_EXEMPT, SECURE_PROXY_SSL_HEADER)
(SECURE_HSTS_SECONDS, SECURE_HSTS_INCLUDE_SUBDOMAINS)
(SESSION_COOKIE_HTTPONLY, SESSION_COOKIE_SAMESITE, CSRF_COOKIE_SAMESITE, CSRF_COOKIE_SECURE)
(CSRF_COOKIE_HTTPONLY, LANGUAGE_COOKIE_SAMESITE, LANGUAGE_COOKIE_SECURE)
(CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CELERY_TASK_ALWAYS_EAGER)
(CELERY_TASK_EAGER_PROPAGATES, CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST)
(CELERY_WORKER_PREFETCH_MULTIPLIER, CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP)
(CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_SERIALIZER, CELERY_ACCEPT_CONTENT)
(CELERY_TIMEZONE, CELERY_TASK_ROUTES, CRISPY_ALLOWED_TEMPLATE_PACKS, CRISPY_TEMPLATE_PACK)

# --- Model fields written and read by name (ORM lookups, aggregates, admin, templates) --
_.confirmed_at, _.last_step, _.code_hash  # accounts
_.characteristics_de, _.characteristics_en, _.invitations_sent_at  # assessments
_.attempts, _.claimed_at  # core.delivery.Delivery
_.is_active  # organisation
_.data_source, _.creates_contacts  # organisation: written as data_source_id, read by name
_.acknowledged_by, _.uploaded_by, _.started_at, _.finished_at  # kpis
_.token_prefix, _.last_used_at  # kpis
_.send_after, _.skipped_because  # ratings.TicketRating: ORM lookups, list_display
_.first_response_seconds, _.resolution_seconds, _.escalated_at  # kpis.Ticket
# kpis rollups: counted and summed by name (kpis.rollups, kpis.metrics)
_.from_client, _.from_monitoring, _.from_automation, _.from_self_service
_.first_response_measured, _.first_response_met, _.resolution_measured, _.resolution_met
_.fr_measured_critical, _.fr_met_critical, _.res_measured_critical, _.res_met_critical
_.fr_measured_high, _.fr_met_high, _.res_measured_high, _.res_met_high
_.fr_measured_medium, _.fr_met_medium, _.res_measured_medium, _.res_met_medium
_.fr_measured_low, _.fr_met_low, _.res_measured_low, _.res_met_low
_.onboarding_tickets, _.onboarding_escalated
_.psa_known, _.psa_met, _.psa_response_known, _.psa_resolution_known
# integrations.clients.rows.SLAVerdict: read as a dict (as_dict, columns)
_.response_met, _.plan_met, _.response_minutes, _.plan_minutes, _.waiting_minutes
_.intro_de, _.intro_en, _.label_min_de, _.label_min_en, _.label_max_de, _.label_max_en
_.last_reminder_at, _.updated_at, _.decided_at  # surveys
_.last_posted_at, _.last_error_at  # organisation.ChatChannel: written by update(), shown
_.proof  # accounts.forms: a form field, read from cleaned_data

# Choices stored by their value ("en", "tickets", "monday"), never named in Python.
_.ENGLISH, _.TICKETS, _.CONTACTS
_.MDY, _.YMD, _.POINT  # kpis.models.ColumnMapping's date order and decimal separator
_.MONDAY, _.TUESDAY, _.WEDNESDAY, _.THURSDAY, _.SATURDAY, _.SUNDAY
_.TEAMS  # organisation.ChatChannel.Kind
_.MEMBER, _.BEARER  # integrations.models.Entity, HaloAuth

# --- Read only in templates ------------------------------------------------------------
_.sections  # assessments/form.html
_.characteristics  # assessments result and phase pages
_.next_tip  # assessments/_result_areas.html
_.area_changes  # assessments/history.html
_.periods_used, _.turnover_below, _.turnover_above  # insights/turnover.html
_.threshold_overridden  # insights/escalations.html
_.sla_measured  # insights/_client_table.html
_.description  # kpis/import.html (the column list)
_.example  # kpis/mappings.html (a ready-made mapping's example file)
_.state_label  # surveys/my_surveys.html (an invitation's state, closed or not)
_.event_labels  # insights/chat_channels.html
_.ended, _.unclosed  # surveys/results_aggregate.html
_.form_method  # crispy-forms' FormHelper
# The brand (organisation.models.Brand) in templates/client_base.html, the client footers
# (templates/partials/_client_footer.html, templates/email/) and organisation/brand.css.
_.postal_address, _.website, _.imprint_url, _.privacy_url, _.logo_type, _.logo_url
_.on_primary, _.on_hover, _.primary_rgb, _.text_rgb
_.new_logo  # organisation.forms.BrandForm: a form field, read as cleaned_data["new_logo"]
_.form_tag  # crispy-forms' FormHelper (integrations' forms sit in the page's own <form>)
_.auth_url, _.connected_at, _.last_event_at, _.last_sync_at, _.last_sync_ok  # integrations
_.last_error, _.last_error_at  # integrations/list.html, edit.html (the check writes them)
_.counted  # integrations.forms.SettingsForm: a form field, read from cleaned_data

# --- Written and read by the PSA pull (integrations.clients, issue 14) ------------------
# The mappings' rules and the sync state the pull keeps; the pull is built on its own
# branch beside this one. Tests call the rules (tests/integrations/test_mappings.py).
_.priority_for, _.is_escalated, _.is_proactive, _.is_closed
_.PullCursor, _.modified_since, _.last_id, _.next_page, _.completed_at, _.registered_hooks
_.received_at, _.processed_at, _.marked_at  # integrations.models.Event, DirtyRecord

# --- Called by the standard library or other libraries ---------------------------------
_.readable, _.seekable, _.readinto  # io.RawIOBase (kpis.import_jobs.StoredFile)
_.redirect_request  # urllib's HTTPRedirectHandler (integrations.callback_keys)
_.msg  # logging.LogRecord, rewritten by core.log_redaction
_.redirect_request  # urllib's HTTPRedirectHandler (core.chat refuses redirects)
_._rollup_old  # kpis.signals: set before a client's save, popped from __dict__ after it
# Arguments that framework signatures require.
password  # ModelBackend-style authenticate(request, username, password)
model_admin  # SimpleListFilter.lookups
renderer  # Widget.render

# --- Read by Django or crispy-forms by name ----------------------------------------------
_.write_message  # core.console_mail: django's console EmailBackend calls it per message
_.DATE_FORMAT, _.DATETIME_FORMAT, _.SHORT_DATE_FORMAT, _.SHORT_DATETIME_FORMAT  # formats/en
_.TIME_FORMAT, _.MONTH_DAY_FORMAT, _.FIRST_DAY_OF_WEEK  # msp_maturity/formats/en/formats.py
_.FORMAT_MODULE_PATH  # settings
_.render_hidden_fields  # crispy-forms' FormHelper
_.value_from_datadict, _.value_omitted_from_data, _.prepare_value  # Django calls them (name_picker)
_.recipient_groups, _.technician_choices  # surveys/_recipient_picker.html
_.nps_n, _.nps_promoters, _.nps_detractors, _.csat_n, _.csat_satisfied  # SurveyDailyRollup:
_.ces_sum, _.ces_n, _.pulse_sum, _.pulse_n, _.pulse_responses  # written and summed by name
_.closed_by  # ratings.FeedbackCase: set when a case closes, shown on its page
