"""The audit trail of what admins did to integrations (`ConnectAttempt` rows): opened
when an action starts, closed with how it ended; refused actions are recorded too."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import update
from sqlmodel import Session, col

from kombo_portal import metrics
from kombo_portal.db.columns import column_length
from kombo_portal.db.models import ConnectAttempt, utc_now
from kombo_portal.i18n import category_name
from kombo_portal.problems import Problem
from kombo_portal.records.integrations import has_live_integration
from kombo_portal.records.sessions import SignedInUser

ADMINS_ONLY = "problem.admins_only_connect"  # a message key (kombo_portal.i18n)
MAX_DETAIL_LENGTH = column_length(ConnectAttempt.detail)
MAX_LOG_URL_LENGTH = column_length(ConnectAttempt.log_url)


def finish_attempt(attempt: ConnectAttempt, outcome: str, detail: str | None) -> None:
    attempt.outcome = outcome
    attempt.detail = detail
    attempt.finished_at = utc_now()
    metrics.count_connect_attempt(attempt.action, outcome)


def close_open_attempt(
    session: Session,
    attempt_id: str,
    outcome: str,
    detail: str,
    *,
    user_id: str | None = None,
    log_url: str | None = None,
) -> bool:
    """End an attempt that is still open (of `user_id`, if given) with `outcome`; False
    if it was not open. One conditional update: of two closes that meet (the flow's
    success and a reload, say), the second finds it closed and changes nothing."""
    still_open = [col(ConnectAttempt.id) == attempt_id, col(ConnectAttempt.outcome) == "started"]
    if user_id is not None:
        still_open.append(col(ConnectAttempt.user_id) == user_id)
    # The closed row's action, for the metrics; none when it was not open.
    action = session.execute(
        update(ConnectAttempt)
        .where(*still_open)
        .values(
            outcome=outcome,
            detail=detail[:MAX_DETAIL_LENGTH],
            finished_at=utc_now(),
            log_url=log_url[:MAX_LOG_URL_LENGTH] if log_url else None,
        )
        .returning(col(ConnectAttempt.action))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if action is None:
        return False
    metrics.count_connect_attempt(action, outcome)
    return True


def record_finished(
    session: Session,
    user: SignedInUser,
    category: str,
    action: str,
    outcome: str,
    detail: str | None,
    log_url: str | None = None,
    static_ips: tuple[str, ...] = (),
) -> None:
    """An action that started and ended at once (an invitation, a revocation); an
    invitation's link may come with Kombo's static IPs, which its card shows as a
    connect attempt's (records.overview)."""
    now = utc_now()
    metrics.count_connect_attempt(action, outcome)
    session.add(
        ConnectAttempt(
            organisation_id=user.organisation_id,
            user_id=user.user_id,
            category=category,
            action=action,
            outcome=outcome,
            detail=detail[:MAX_DETAIL_LENGTH] if detail else None,
            log_url=log_url,
            static_ips=" ".join(static_ips) or None,
            started_at=now,
            finished_at=now,
        )
    )


def refusal_to_connect(
    session: Session,
    user: SignedInUser,
    category: str,
    offered: Collection[str],
    not_admin: str = ADMINS_ONLY,
) -> Problem | None:
    """Why `user` may not connect `category` now (None: they may). `offered`: the
    categories this portal offers."""
    if not user.is_admin:
        return Problem(not_admin)
    if category not in offered:
        return Problem("problem.category_not_offered", category=category_name(category))
    if has_live_integration(session, user.organisation_id, category):
        return Problem("problem.already_connected", category=category_name(category))
    return None
