package dev.restartbot.restart;

import java.util.Arrays;
import java.util.Collections;
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
  /** A target changed between the request and the approval that would start it. */
  OUTDATED,
  /** Its approval message could not be posted: nothing restarts that the channel cannot see. */
  ABANDONED,
  RUNNING,
  DONE,
  INTERRUPTED;

  /** The states that hold their targets: what the sweeps look at. */
  public static final Set<RequestState> ACTIVE =
      Collections.unmodifiableSet(
          EnumSet.copyOf(Arrays.stream(values()).filter(RequestState::isActive).toList()));

  /** The states a request ends in: what retention looks at. */
  public static final Set<RequestState> FINAL =
      Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.copyOf(ACTIVE)));

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

  /**
   * Refuses a move the state machine does not allow. Both stores call it on every write, so a bug
   * cannot store, say, a finished request as running again. Staying in a state is not a move.
   *
   * @throws IllegalStateException naming both states
   */
  public static void checkMove(String requestId, RequestState from, RequestState to) {
    if (from != to && !from.canMoveTo(to)) {
      throw new IllegalStateException(
          "request %s: %s → %s is not a move of the state machine"
              .formatted(requestId, from.label(), to.label()));
    }
  }

  private Set<RequestState> successors() {
    return switch (this) {
      case PENDING -> EnumSet.of(APPROVED, DENIED, WITHDRAWN, EXPIRED, OUTDATED, ABANDONED);
      // ABANDONED from APPROVED: a request that needs no approval but whose message could not be
      // posted is given up, so that no restart runs unseen. WITHDRAWN and DENIED from APPROVED:
      // the requester or an approver takes back an approval whose run has not started.
      case APPROVED -> EnumSet.of(RUNNING, ABANDONED, WITHDRAWN, DENIED);
      case RUNNING -> EnumSet.of(DONE, INTERRUPTED);
      case DENIED, WITHDRAWN, EXPIRED, OUTDATED, ABANDONED, DONE, INTERRUPTED ->
          EnumSet.noneOf(RequestState.class);
    };
  }

  /** The word used in labels and logs: the state in lower case. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
