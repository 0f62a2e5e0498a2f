"""The audit log: one row per read of survivor data and per write, never changed afterwards.

Rows carry ids and labels, never the survivor's details, so the log itself is safe to show a
supervisor and survives a retention purge of the record it points to (no foreign keys to
survivors or cases for that reason).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    SURVIVOR_VIEWED = "survivor.viewed", _("Viewed survivor record")
    SURVIVOR_CREATED = "survivor.created", _("Created survivor record")
    SURVIVOR_UPDATED = "survivor.updated", _("Changed survivor details")
    SURVIVOR_HANDED_OVER = "survivor.handed_over", _("Handed the record to an agency")
    RELEASE_RECORDED = "release.recorded", _("Recorded a release of information")
    SUSPECTED_EXPLOITER_RECORDED = (
        "survivor.exploiter_recorded",
        _("Recorded someone who must not sign for them"),
    )
    RELEASE_REVOKED = "release.revoked", _("Revoked a release of information")
    LEGAL_BASIS_RECORDED = "legal_basis.recorded", _("Recorded sharing the law requires")
    LEGAL_BASIS_ENDED = "legal_basis.ended", _("Ended sharing the law requires")
    LEGAL_BASIS_INFORMED = (
        "legal_basis.informed",
        _("Recorded telling the survivor about a disclosure"),
    )
    POSSIBLE_DUPLICATE = (
        "survivor.possible_duplicate",
        _("Was told this person may already be recorded here"),
    )
    SURVIVORS_SEARCHED = "survivor.searched", _("Searched survivors")
    SURVIVORS_LISTED = "survivor.listed", _("Listed survivors")
    CASE_VIEWED = "case.viewed", _("Viewed case")
    CASE_OPENED = "case.opened", _("Opened case")
    CASE_UPDATED = "case.updated", _("Changed case details")
    CASE_STATUS_CHANGED = "case.status_changed", _("Changed case status")
    CASES_LISTED = "case.listed", _("Listed cases")
    NOTE_WRITTEN = "case.note_written", _("Wrote a case note")
    CARE_TEAM_ADDED = "care_team.added", _("Added to care team")
    CARE_TEAM_REMOVED = "care_team.removed", _("Removed from care team")
    EXPORT_REQUESTED = "export.requested", _("Asked for an export of the record")
    EXPORT_APPROVED = "export.approved", _("Approved an export of the record")
    EXPORT_REFUSED = "export.refused", _("Refused an export of the record")
    EXPORT_DOWNLOADED = "export.downloaded", _("Downloaded an export of the record")
    EXPORT_DESTROYED = "export.destroyed", _("Destroyed an export's file")
    SCREENING_PLANNED = "screening.planned", _("Recorded that a screening is needed")
    SCREENING_STARTED = "screening.started", _("Started a screening")
    SCREENING_SAVED = "screening.saved", _("Saved screening answers")
    SCREENING_COMPLETED = "screening.completed", _("Finished a screening")
    SCREENING_VIEWED = "screening.viewed", _("Viewed a screening")
    SCREENING_EXPORTED = "screening.exported", _("Exported a screening's answers")
    SAFETY_ACTION_RECORDED = "screening.safety_action", _("Recorded a safety call")
    SCREENING_REPORT_EXPORTED = "screening.report", _("Exported the monthly screening report")
    INSTRUMENT_IMPORTED = "instrument.imported", _("Imported a screening instrument")
    INSTRUMENT_STATUS_CHANGED = "instrument.status_changed", _("Changed an instrument's use")
    SAFETY_LINES_CHANGED = "safety.lines_changed", _("Changed safety numbers or rules")
    SCREENER_CERTIFIED = "training.screener_certified", _("Recorded screening training")
    TASK_DONE = "case.task_done", _("Marked a case task done")
    NEEDS_RECORDED = "needs.recorded", _("Recorded needs")
    NEED_ASSESSED = "needs.assessed", _("Recorded the assessment of a need")
    ASSESSMENT_SESSION_STARTED = "needs.session_started", _("Started a needs-assessment session")
    ASSESSMENT_SESSION_CHANGED = "needs.session_changed", _("Changed a needs-assessment session")
    ASSESSMENT_SESSION_FINISHED = "needs.session_finished", _("Finished a needs-assessment session")
    NEED_DOMAIN_CHANGED = "needs.domain_changed", _("Added or changed a need domain")
    PLAN_GOAL_ADDED = "plan.goal_added", _("Added a goal to a care plan")
    PLAN_GOAL_CHANGED = "plan.goal_changed", _("Changed a goal of a care plan")
    PLAN_TASK_ADDED = "plan.task_added", _("Added a task to a care plan")
    PLAN_TASK_CHANGED = "plan.task_changed", _("Changed a task of a care plan")
    PLAN_SERVICE_ADDED = "plan.service_added", _("Added a planned service")
    PLAN_SERVICE_CHANGED = "plan.service_changed", _("Changed a planned service")
    PLAN_REVIEWED = "plan.reviewed", _("Recorded a care-plan review with the survivor")
    PLAN_SETTINGS_CHANGED = "plan.settings_changed", _("Changed how often a care plan is reviewed")
    PLAN_PRINTED = "plan.printed", _("Printed a care plan for the survivor")
    APPOINTMENT_RECORDED = "plan.appointment_recorded", _("Recorded an appointment")
    APPOINTMENT_CHANGED = "plan.appointment_changed", _("Changed an appointment")
    DRAFT_KEPT = "draft.kept", _("Kept unsaved typing as a draft")
    DRAFT_RESTORED = "draft.restored", _("Restored a draft into its form")
    DRAFT_DISCARDED = "draft.discarded", _("Discarded a draft")
    PROTOCOL_CHANGED = "protocol.changed", _("Changed the community protocol")
    MOU_CHANGED = "protocol.mou_changed", _("Changed an MOU or recorded a signature")
    CONFLICT_RECORDED = "protocol.conflict_recorded", _("Recorded a disagreement between members")
    MDT_CLOCKS_RECOMPUTED = "mdt.clocks_recomputed", _("Recomputed MDT staffing deadlines")
    MDT_MEETING_SCHEDULED = "mdt.meeting_scheduled", _("Scheduled an MDT staffing")
    MDT_MEETING_CHANGED = "mdt.meeting_changed", _("Changed an MDT staffing")
    MDT_MEETING_VIEWED = "mdt.meeting_viewed", _("Viewed an MDT staffing")
    MDT_DECISION_RECORDED = "mdt.decision_recorded", _("Recorded an MDT decision")
    MDT_DASHBOARD_VIEWED = "mdt.dashboard_viewed", _("Viewed the MDT staffing clocks")
    DIRECTORY_IMPORTED = "directory.imported", _("Imported directory listings")
    DIRECTORY_EXPORTED = "directory.exported", _("Exported the directory")
    LISTING_CHANGED = "directory.listing_changed", _("Changed a directory listing")
    CAPACITY_UPDATED = "directory.capacity_updated", _("Updated a service's capacity")
    LISTING_VERIFIED = "directory.listing_verified", _("Checked a directory listing is true")
    REFERRAL_MATCHED = "referral.matched", _("Looked for services for a survivor's need")
    REFERRAL_CREATED = "referral.created", _("Drafted or sent a referral")
    REFERRAL_MOVED = "referral.moved", _("Changed a referral's status")
    REFERRAL_VIEWED = "referral.viewed", _("Viewed a referral")
    REFERRAL_EXPORTED = "referral.exported", _("Exported a referral as FHIR")
    MEASURES_VIEWED = "measures.viewed", _("Viewed aggregate measures")
    ACCESS_LOG_VIEWED = "audit.access_log_viewed", _("Viewed access log")
    ACCESS_DENIED = "access.denied", _("Was refused access")
    EMERGENCY_ACCESS_OPENED = "access.emergency_opened", _("Opened emergency access")
    EMERGENCY_ACCESS_REVIEWED = "access.emergency_reviewed", _("Reviewed emergency access")
    SIGNED_IN = "account.signed_in", _("Signed in")
    SIGN_IN_FAILED = "account.sign_in_failed", _("Sign-in failed")
    SIGNED_OUT = "account.signed_out", _("Signed out")
    SIGNED_OUT_EVERYWHERE = "account.signed_out_everywhere", _("Signed out everywhere")
    TIMED_OUT = "account.timed_out", _("Signed out after inactivity")
    MFA_ENROLLED = "account.mfa_enrolled", _("Set up two-step verification")
    RECOVERY_CODE_USED = "account.recovery_code_used", _("Used a recovery code")
    RECOVERY_CODES_REPLACED = "account.recovery_codes_replaced", _("Made new recovery codes")
    AGENCY_SWITCHED = "account.agency_switched", _("Switched agency")
    PASSWORD_CHANGED = "account.password_changed", _("Changed password")
    AGENCY_CHANGED = "agency.changed", _("Changed an agency's settings")
    AGENCY_ADDED = "admin.agency_added", _("Added an agency")
    STAFF_ADDED = "admin.staff_added", _("Added a staff member")
    PASSWORD_RESET = "admin.password_reset", _("Reset a password")
    TOKEN_CREATED = "api.token_created", _("Created API token")
    TOKEN_REVOKED = "api.token_revoked", _("Revoked API token")
    RECORD_DESTROYED = "retention.destroyed", _("Destroyed under the retention schedule")
    RETENTION_CHANGED = "retention.rule_changed", _("Changed a retention period")


class AuditEntry(models.Model):
    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150, blank=True)
    agency_id = models.BigIntegerField(null=True)
    role = models.CharField(max_length=30, blank=True)
    via = models.CharField(max_length=10)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    survivor_id = models.UUIDField(null=True, db_index=True)
    case_id = models.UUIDField(null=True, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"


class AuditChainHead(models.Model):
    """The newest entry's sequence and hash: lets `audit verify` notice entries cut off the end.

    A single row, locked while an entry is appended so that the chain has no forks.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit head at #{self.sequence}"
