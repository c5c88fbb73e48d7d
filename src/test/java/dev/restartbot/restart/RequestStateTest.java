package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestStateTest {

  @Test
  void pendingMayOnlyBeDecidedExpireGoOutOfDateOrBeGivenUp() {
    assertThat(movesFrom(RequestState.PENDING))
        .containsExactlyInAnyOrder(
            RequestState.APPROVED,
            RequestState.DENIED,
            RequestState.WITHDRAWN,
            RequestState.EXPIRED,
            RequestState.OUTDATED,
            RequestState.ABANDONED);
  }

  @Test
  void approvedMayOnlyStartBeGivenUpOrBeTakenBackBeforeItStarts() {
    assertThat(movesFrom(RequestState.APPROVED))
        .containsExactlyInAnyOrder(
            RequestState.RUNNING,
            RequestState.ABANDONED,
            RequestState.WITHDRAWN,
            RequestState.DENIED);
  }

  @Test
  void aMoveTheStateMachineDoesNotDrawIsRefusedAndStayingPutIsNotAMove() {
    RequestState.checkMove("r1", RequestState.RUNNING, RequestState.RUNNING);
    RequestState.checkMove("r1", RequestState.RUNNING, RequestState.DONE);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> RequestState.checkMove("r1", RequestState.DONE, RequestState.RUNNING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("r1")
        .hasMessageContaining("done → running");
  }

  @Test
  void runningEndsDoneOrInterrupted() {
    assertThat(movesFrom(RequestState.RUNNING))
        .containsExactlyInAnyOrder(RequestState.DONE, RequestState.INTERRUPTED);
  }

  @Test
  void finalStatesGoNowhere() {
    for (RequestState state :
        EnumSet.of(
            RequestState.DENIED,
            RequestState.WITHDRAWN,
            RequestState.EXPIRED,
            RequestState.OUTDATED,
            RequestState.ABANDONED,
            RequestState.DONE,
            RequestState.INTERRUPTED)) {
      assertThat(movesFrom(state)).as(state.name()).isEmpty();
      assertThat(state.isFinal()).isTrue();
    }
  }

  @Test
  void onlyPendingApprovedAndRunningHoldTheirTargets() {
    assertThat(EnumSet.allOf(RequestState.class).stream().filter(RequestState::isActive))
        .containsExactlyInAnyOrder(
            RequestState.PENDING, RequestState.APPROVED, RequestState.RUNNING);
  }

  @Test
  void theActiveAndFinalSetsSplitTheStatesAsIsActiveDoes() {
    assertThat(RequestState.ACTIVE)
        .containsExactlyInAnyOrder(
            RequestState.PENDING, RequestState.APPROVED, RequestState.RUNNING);
    assertThat(RequestState.FINAL).allMatch(RequestState::isFinal).hasSize(7);
  }

  /** The cluster store lists states in this order and relies on it to miss no moving request. */
  @Test
  void everyMoveGoesForwardInTheOrderTheStatesAreDeclared() {
    for (RequestState from : RequestState.values()) {
      assertThat(movesFrom(from))
          .as("moves from %s", from)
          .allMatch(to -> to.ordinal() > from.ordinal());
    }
  }

  @Test
  void labelsAreTheStateInLowerCase() {
    assertThat(RequestState.INTERRUPTED.label()).isEqualTo("interrupted");
  }

  private static Set<RequestState> movesFrom(RequestState from) {
    Set<RequestState> moves = EnumSet.noneOf(RequestState.class);
    for (RequestState to : RequestState.values()) {
      if (from.canMoveTo(to)) {
        moves.add(to);
      }
    }
    return moves;
  }
}
