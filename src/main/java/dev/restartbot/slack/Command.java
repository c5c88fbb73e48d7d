package dev.restartbot.slack;

import dev.restartbot.policy.Target;
import dev.restartbot.restart.Selection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A {@code /restart} command as parsed: what the user asked for, or what was wrong with it. */
public sealed interface Command {

  /** {@code /restart help}. */
  record Help() implements Command {}

  /** {@code /restart history [n]}: the last {@code limit} requests, 1 to 50. */
  record History(int limit) implements Command {}

  /** Restart {@code targets} in the order given, all in one namespace; never empty. */
  record Restart(List<Target> targets, Optional<String> reason) implements Command {
    public Restart {
      targets = List.copyOf(targets);
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Restart every workload that {@code selection} matches when the command is checked ({@code -l
   * SELECTOR}).
   */
  record RestartSelected(Selection selection, Optional<String> reason) implements Command {
    public RestartSelected {
      Objects.requireNonNull(selection, "selection");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The text could not be used; {@code problem} says why in one sentence that is safe to post to
   * Slack as it is.
   */
  record Invalid(String problem) implements Command {
    public Invalid {
      Objects.requireNonNull(problem, "problem");
    }
  }
}
