package dev.restartbot.audit;

import java.util.Locale;

/** The steps of a request that the audit trail records. */
public enum AuditAction {
  REQUESTED,
  REFUSED,
  /** One approval counted; the request needs more before it is approved. */
  APPROVAL_COUNTED,
  APPROVED,
  DENIED,
  WITHDRAWN,
  EXPIRED,
  OUTDATED,
  ABANDONED,
  CLICK_REFUSED,
  STARTED,
  RESULT,
  FINISHED,
  INTERRUPTED,
  HANDED_BACK,
  RESUMED,
  /** Someone pressed Abort on a running request. */
  ABORT_REQUESTED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
