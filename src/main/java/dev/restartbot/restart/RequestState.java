package dev.restartbot.restart;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The states of a restart request, as DESIGN.md §4 draws them. */
public enum RequestState {
  PENDING,
  APPROVED,
  DENIED,
  WITHDRAWN,
  EXPIRED,
  RUNNING,
  DONE,
  INTERRUPTED;

  /** Whether a request in this state still holds its targets (no second request may take them). */
  public boolean isActive() {
    return this == PENDING || this == APPROVED || this == RUNNING;
  }

  public boolean isFinal() {
    return !isActive();
  }

  /** The only moves the state machine allows; everything else is a bug or a lost race. */
  public boolean canMoveTo(RequestState next) {
    return successors().contains(next);
  }

  private Set<RequestState> successors() {
    return switch (this) {
      case PENDING -> EnumSet.of(APPROVED, DENIED, WITHDRAWN, EXPIRED);
      // WITHDRAWN from APPROVED: a request that needs no approval but whose message could not
      // be posted is given up, so that no restart runs unseen.
      case APPROVED -> EnumSet.of(RUNNING, WITHDRAWN);
      case RUNNING -> EnumSet.of(DONE, INTERRUPTED);
      case DENIED, WITHDRAWN, EXPIRED, DONE, INTERRUPTED -> EnumSet.noneOf(RequestState.class);
    };
  }

  /** The word used in labels and logs: the state in lower case. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
