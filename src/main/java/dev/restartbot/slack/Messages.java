package dev.restartbot.slack;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Decider;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Renders requests and results as Slack text and Block Kit; the only place that knows how. */
final class Messages {

  /** Slack's limit for the text of a section or context element. */
  static final int TEXT_LIMIT = 3000;

  /**
   * Slack's limit for a message's own {@code text} (it answers {@code msg_too_long} past it), and
   * for the answer to a slash command.
   */
  static final int MESSAGE_TEXT_LIMIT = 40_000;

  /** Targets named on one line of {@code /restart history}. */
  static final int HISTORY_TARGETS = 3;

  private Messages() {}

  static String pendingText(RestartRequest request) {
    return "<@"
        + request.requesterId()
        + (request.isRollback() ? "> asks to roll back " : "> asks to restart ")
        + targetList(request.targets());
  }

  /**
   * How far the approvals of a request that needs several are: {@code 1 of 2 approvals: @bob};
   * empty for a request that needs one.
   */
  static String approvalCount(RestartRequest request) {
    if (request.approvalsNeeded() < 2) {
      return "";
    }
    String who =
        request.approvals().stream()
            .map(a -> who(a.by()))
            .collect(java.util.stream.Collectors.joining(", "));
    return "%d of %d approvals%s"
        .formatted(
            request.approvals().size(), request.approvalsNeeded(), who.isEmpty() ? "" : ": " + who);
  }

  /** The thread reply of a request that a changed target made outdated. */
  static String outdated(dev.restartbot.restart.RequestEvent.Outdated e) {
    return ("%s changed since the request (generation %d, now %s): nothing was restarted. Look"
            + " at what changed, then ask again with /restart.")
        .formatted(target(e.target()), e.before(), e.now().map(String::valueOf).orElse("gone"));
  }

  /** The ack of a command that created a request. */
  static String submitted(RestartRequest request) {
    return request.approvalRequired()
        ? ":white_check_mark: Request `%s` submitted: %s. Someone else who may approve it has to click Approve."
            .formatted(request.id(), targetList(request.targets()))
        : ":white_check_mark: Request `%s` needs no approval; restarting %s now."
            .formatted(request.id(), targetList(request.targets()));
  }

  /** Why a new request was given up: its approval message could not be posted. */
  static String notPosted(SlackDeliveryException failure) {
    if (failure.deliveryUnknown()) {
      return ":warning: Slack did not confirm the approval message (its answer was lost), so the"
          + " request was dropped; if the message shows anyway, its buttons do nothing. Please try"
          + " again.";
    }
    return failure.notInChannel()
        ? ":warning: I can't post in this channel. Invite me with `/invite @restart-bot` and ask again."
        : ":warning: Slack refused the approval message (%s); the request was dropped. Please try again."
            .formatted(failure.error());
  }

  /** The answer to a command or click over the per-user limit ({@code slack.user-limit}). */
  static String slowDown(Duration wait) {
    long seconds = UserLimits.seconds(wait);
    return (":hourglass: Slow down: you sent many commands and clicks in a short time, so I did"
            + " nothing with this one. Try again in %d second%s.")
        .formatted(seconds, seconds == 1 ? "" : "s");
  }

  /** The answer when the bot has more commands and clicks in hand than it takes at once. */
  static String busy() {
    return ":hourglass: I have too much in hand right now, so I did nothing with this; please try"
        + " again in a minute.";
  }

  /**
   * Tells the requester and the approver about a thread post Slack did not take, or may not have:
   * nobody should wait for a message that is not coming, nor take one that may show for a repeat.
   */
  static String notInThread(RestartRequest request, SlackDeliveryException failure, String text) {
    String what =
        failure.deliveryUnknown()
            ? "Slack did not confirm that this reached the thread of request `%1$s` (its answer was"
                + " lost), and I do not post twice, so it may be missing there"
            : "I could not post this in the thread of request `%1$s` (Slack answered %2$s)";
    return (":warning: " + what + "; the bot's audit log has it:\n%3$s")
        .formatted(request.id(), failure.error(), text);
  }

  static String stateLine(RestartRequest request) {
    String by =
        request.approvals().size() > 1
            ? request.approvals().stream()
                .map(a -> who(a.by()))
                .collect(java.util.stream.Collectors.joining(", "))
            : request.decidedBy().map(Messages::who).orElse("someone");
    String state =
        switch (request.state()) {
          case APPROVED ->
              request.decidedByPolicy()
                  ? ":white_check_mark: No approval needed by the policy"
                  : ":white_check_mark: Approved by " + by;
          case PENDING ->
              request.approvals().isEmpty()
                  ? ":hourglass_flowing_sand: Waiting for approval"
                  : ":hourglass_flowing_sand: " + approvalCount(request);
          case RUNNING ->
              request
                  .abortedBy()
                  .map(
                      a ->
                          ":octagonal_sign: Abort requested by %s · the current target finishes, the rest are skipped"
                              .formatted(who(a)))
                  .orElse(
                      (request.decidedByPolicy()
                              ? ":arrows_counterclockwise: No approval needed"
                              : ":arrows_counterclockwise: Approved by " + by)
                          + " · restarting…");
          case DENIED -> ":no_entry_sign: Denied by " + by;
          case WITHDRAWN -> ":leftwards_arrow_with_hook: Withdrawn by the requester";
          case EXPIRED -> ":hourglass: Expired: nobody approved it in time";
          case OUTDATED -> ":warning: Outdated: a target changed since the request; ask again";
          case ABANDONED -> ":warning: Given up: the approval message could not be posted";
          case DONE ->
              (request.decidedByPolicy() ? "No approval needed" : "Approved by " + by)
                  + request.abortedBy().map(a -> " · aborted by " + who(a)).orElse("")
                  + " · "
                  + summaryCounts(request.results());
          case INTERRUPTED -> ":warning: Interrupted before it finished";
        };
    return state + " · request `" + request.id() + "`";
  }

  /** The thread reply of a target while its restart runs. */
  static String started(Target target) {
    return ":hourglass_flowing_sand: Restarting " + target(target) + "…";
  }

  /** The thread reply of a target while its rollout moves. */
  static String progress(Target target, String status) {
    return ":hourglass_flowing_sand: Rolling out " + target(target) + ": " + escape(status);
  }

  /**
   * The thread reply of a target once it has an outcome. Java 17 has no pattern-matching switch:
   * RenderingTest walks the permitted subtypes of {@link Outcome}, so a new outcome that reaches
   * the end of this chain fails the build instead of reading as "failed".
   */
  static String result(TargetResult result) {
    Outcome o = result.outcome();
    Target target = result.target();
    String t = target(target);
    String took = duration(result.took());
    if (o instanceof Outcome.RolledOut r) {
      return ":white_check_mark: %s %s in %s (restartedAt `%s`)"
          .formatted(t, escape(r.status()), took, r.restartedAt());
    }
    if (o instanceof Outcome.OnDelete d) {
      return ":information_source: %s was restarted, but %s"
          .formatted(t, sentence(escape(d.status())));
    }
    if (o instanceof Outcome.RolloutFailed f && target.kind() == WorkloadKind.ROLLOUT) {
      // A Rollout's restart makes no revision: there is nothing to undo, only a cause to find.
      return ":x: %s rollout failed after %s: %s Next step: look at `kubectl argo rollouts get rollout %s -n %s`, fix the cause and run /restart again."
          .formatted(t, took, sentence(escape(f.message())), target.name(), target.namespace());
    }
    if (o instanceof Outcome.RolloutFailed f) {
      return ":x: %s rollout failed after %s: %s Next step: roll back with `kubectl rollout undo %s`, or fix the cause and run /restart again."
          .formatted(t, took, sentence(escape(f.message())), ref(target));
    }
    if (o instanceof Outcome.TimedOut timedOut) {
      return ":hourglass: %s did not finish rolling out within %s (last: %s). Check `kubectl rollout status %s`; roll back with `kubectl rollout undo %s` if it is stuck."
          .formatted(
              t,
              duration(timedOut.after()),
              escape(timedOut.lastStatus()),
              ref(target),
              ref(target));
    }
    if (o instanceof Outcome.Restarted r) {
      return ":white_check_mark: %s restarted (restartedAt `%s`, patch accepted in %s)"
          .formatted(t, r.restartedAt(), took);
    }
    if (o instanceof Outcome.NotFound) {
      return ":x: %s was not found".formatted(t);
    }
    if (o instanceof Outcome.Forbidden f) {
      return ":no_entry: %s could not be restarted: forbidden (%s)"
          .formatted(t, escape(f.message()));
    }
    if (o instanceof Outcome.Paused) {
      return ":double_vertical_bar: %s is paused and was not restarted; resume it with `%s`"
          .formatted(t, Refusals.resume(target));
    }
    if (o instanceof Outcome.Skipped s) {
      return ":fast_forward: %s skipped: %s".formatted(t, skipReason(s.reason()));
    }
    if (o instanceof Outcome.Error e) {
      return ":x: %s failed: %s".formatted(t, escape(e.message()));
    }
    if (o instanceof Outcome.Unexpected) {
      return ":x: %s failed: an unexpected error on the bot's side; the details are in its logs"
          .formatted(t);
    }
    throw new IllegalStateException("no rendering for outcome " + o.getClass().getName());
  }

  static String skipReason(Outcome.SkipReason reason) {
    if (reason instanceof Outcome.SkipReason.EarlierFailed e) {
      return e.failed()
          .map(f -> "`%s` did not restart and stop-on-failure is on".formatted(f.ref()))
          .orElse("an earlier target did not restart and stop-on-failure is on");
    }
    if (reason instanceof Outcome.SkipReason.StoreUnreachable u) {
      return "not started: the request store could not be reached (%s)"
          .formatted(escape(u.error()));
    }
    if (reason instanceof Outcome.SkipReason.Aborted a) {
      return "aborted by " + who(a.by());
    }
    if (reason instanceof Outcome.SkipReason.ShutDown) {
      return "not started: the bot shut down before this target, and no other replica could"
          + " take the run over";
    }
    throw new IllegalStateException("no rendering for skip reason " + reason.getClass().getName());
  }

  private static String ref(Target target) {
    return target.ref() + " -n " + target.namespace();
  }

  /** The closing thread reply. */
  static String summary(RestartRequest request) {
    Duration took =
        request.decision().isPresent() && request.finishedAt().isPresent()
            ? Duration.between(request.decision().get().at(), request.finishedAt().get())
            : request.results().stream()
                .map(TargetResult::took)
                .reduce(Duration.ZERO, Duration::plus);
    boolean allGood = request.results().stream().allMatch(r -> r.outcome().succeeded());
    Optional<String> shared = sharedCluster(request.targets());
    StringBuilder text =
        new StringBuilder(
                allGood ? ":checkered_flag: Done: " : ":warning: Finished with failures: ")
            .append(summaryCounts(request.results()))
            .append(shared.map(c -> " on `" + c + "`").orElse(""))
            .append(" in ")
            .append(duration(took))
            .append('.');
    request
        .abortedBy()
        .ifPresent(
            by ->
                text.append("\n:octagonal_sign: Aborted by ")
                    .append(who(by))
                    .append(": the target under way was followed to its end, the rest skipped."));
    for (TargetResult r : request.results()) {
      text.append("\n• ")
          .append(shared.isPresent() ? inNamespace(r.target()) : target(r.target()))
          .append(": ")
          .append(r.outcome().code().replace('_', ' '));
      if (!r.took().isZero()) {
        text.append(" (").append(duration(r.took())).append(')');
      }
    }
    return text.toString();
  }

  /** A run handed back between targets by a replica that is shutting down. */
  static String handedBack(RestartRequest request) {
    return ":hourglass_flowing_sand: The bot replica running this request is shutting down: it"
        + " hands the run to another replica, which resumes it with "
        + targetList(notDone(request))
        + ".";
  }

  /** A run taken over by this replica. */
  static String resumed(RestartRequest request) {
    return ":arrow_forward: Resumed by another bot replica, with "
        + targetList(notDone(request))
        + ".";
  }

  /** The targets of {@code request} without a result yet, in order. */
  private static List<Target> notDone(RestartRequest request) {
    return request.targets().subList(request.results().size(), request.targets().size());
  }

  /** Which targets of an interrupted request completed and which were not started. */
  static String interrupted(RestartRequest request, RequestEvent.Interruption why) {
    List<Target> done = request.results().stream().map(TargetResult::target).toList();
    List<Target> left = request.targets().stream().filter(t -> !done.contains(t)).toList();
    StringBuilder text =
        new StringBuilder(
            switch (why) {
              case RUNNER_GONE ->
                  ":warning: The bot replica running this request stopped before it finished;"
                      + " nothing more will be restarted automatically.";
              case CLAIM_LOST ->
                  ":warning: The bot replica running this request could not renew its claim on the"
                      + " run with the Kubernetes API, so it stopped between two targets; nothing"
                      + " more will be restarted automatically.";
            });
    if (!done.isEmpty()) {
      text.append("\nCompleted: ").append(targetList(done)).append('.');
    }
    if (!left.isEmpty() && why == RequestEvent.Interruption.CLAIM_LOST) {
      text.append("\nNot started: ").append(targetList(left)).append('.');
    } else if (!left.isEmpty()) {
      Target current = left.get(0);
      text.append("\nMay have been mid-rollout: ")
          .append(target(current))
          .append(" (check `kubectl rollout status ")
          .append(current.ref())
          .append(" -n ")
          .append(current.namespace())
          .append("`).");
    }
    if (left.size() > 1 && why == RequestEvent.Interruption.RUNNER_GONE) {
      text.append("\nNot started: ").append(targetList(left.subList(1, left.size()))).append('.');
    }
    return text.append("\nAsk again with /restart for what is still needed.").toString();
  }

  static String summaryCounts(List<TargetResult> results) {
    Map<String, Long> counts =
        results.stream()
            .collect(
                Collectors.groupingBy(
                    r -> r.outcome().code().replace('_', ' '),
                    java.util.LinkedHashMap::new,
                    Collectors.counting()));
    return counts.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey())
        .collect(Collectors.joining(", "));
  }

  /**
   * The answer to {@code /restart history n}: one line a request, newest first, within Slack's
   * 40,000 characters of message text at any n and any names. A line names at most {@value
   * #HISTORY_TARGETS} targets ("and N more"); requests past the limit are counted, not shown.
   */
  static String history(List<RestartRequest> requests, Function<RestartRequest, String> link) {
    if (requests.isEmpty()) {
      return "No restart requests here yet.";
    }
    StringBuilder out = new StringBuilder("*Recent restart requests*\n");
    for (int i = 0; i < requests.size(); i++) {
      String line = historyLine(requests.get(i), link);
      int left = requests.size() - i;
      // Room for this line, and for the count of the ones after it should the next not fit.
      if (out.length() + line.length() + moreRequests(left).length() > MESSAGE_TEXT_LIMIT) {
        return out.append(moreRequests(left)).toString();
      }
      out.append(line);
    }
    return out.toString();
  }

  private static String historyLine(RestartRequest r, Function<RestartRequest, String> link) {
    StringBuilder out =
        new StringBuilder("• ")
            .append(slackDate(r.createdAt().getEpochSecond()))
            .append(" <@")
            .append(r.requesterId())
            .append("> ")
            .append(targetList(r.targets(), HISTORY_TARGETS))
            .append(": ")
            .append(r.state().label());
    r.decidedBy().ifPresent(d -> out.append(" (").append(who(d)).append(")"));
    if (!r.results().isEmpty()) {
      out.append(", ").append(summaryCounts(r.results()));
    }
    String url = link.apply(r);
    if (url != null) {
      out.append(" <").append(url).append("|thread>");
    }
    return out.append('\n').toString();
  }

  private static String moreRequests(int n) {
    return "… and %d more %s\n".formatted(n, n == 1 ? "request" : "requests");
  }

  /** Slack refuses a text object over 3,000 characters: cut it, and say so. */
  static String limit(String text) {
    if (text.length() <= TEXT_LIMIT) {
      return text;
    }
    String more = "… (cut at Slack's limit)";
    return text.substring(0, TEXT_LIMIT - more.length()) + more;
  }

  /**
   * The targets, each as {@link #target}; when they share a named cluster (the targets of one
   * command always do), it is named once at the end rather than after each.
   */
  static String targetList(List<Target> targets) {
    Optional<String> shared = sharedCluster(targets);
    if (shared.isEmpty()) {
      return targets.stream().map(Messages::target).collect(Collectors.joining(", "));
    }
    return targets.stream().map(Messages::inNamespace).collect(Collectors.joining(", "))
        + " on `"
        + shared.get()
        + "`";
  }

  /** The named cluster every target is in, if they share one. */
  static Optional<String> sharedCluster(List<Target> targets) {
    if (targets.isEmpty() || !targets.get(0).inNamedCluster()) {
      return Optional.empty();
    }
    String cluster = targets.get(0).cluster();
    return targets.stream().allMatch(t -> t.cluster().equals(cluster))
        ? Optional.of(cluster)
        : Optional.empty();
  }

  /** {@code `deployment/x` in `ns`}, without its cluster. */
  static String inNamespace(Target t) {
    return "`" + t.ref() + "` in `" + t.namespace() + "`";
  }

  /** The first {@code shown} targets, and how many more there are. */
  static String targetList(List<Target> targets, int shown) {
    if (targets.size() <= shown) {
      return targetList(targets);
    }
    return targetList(targets.subList(0, shown)) + " and %d more".formatted(targets.size() - shown);
  }

  /**
   * {@code `deployment/x` in `ns`}, and {@code on `eu-prod`} for a cluster named in {@code
   * restart.clusters}; a bot without clusters reads as it always has.
   */
  static String target(Target t) {
    return inNamespace(t) + onCluster(t);
  }

  /** {@code on `eu-prod`}, or nothing for the one unnamed cluster. */
  static String onCluster(Target t) {
    return t.inNamedCluster() ? " on `" + t.cluster() + "`" : "";
  }

  /** A person as a mention; the policy as itself. */
  static String who(Decider decider) {
    return decider instanceof Decider.Person p ? "<@" + p.userId() + ">" : "the policy";
  }

  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    return (ms / 60_000) + " min " + (ms / 1000 % 60) + " s";
  }

  static String slackDate(long epochSecond) {
    return "<!date^"
        + epochSecond
        + "^{date_short_pretty} at {time}|"
        + java.time.Instant.ofEpochSecond(epochSecond)
        + ">";
  }

  /** Slack mrkdwn needs only these three escaped; user text and API messages pass through it. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** What stands in for a backtick inside {@link #verbatim}: MODIFIER LETTER GRAVE ACCENT. */
  static final char BACKTICK_STAND_IN = '\u02CB';

  /**
   * Text that a person or a workload chose (a reason, an image name, an annotation), for a mrkdwn
   * text where Block Kit offers no {@code plain_text}: shown as it was typed, never as formatting.
   * It goes into a code span that it cannot close (each backtick becomes {@link
   * #BACKTICK_STAND_IN}, which looks alike), inside which Slack applies no {@code *bold*}, {@code
   * _italics_}, {@code ~strike~}, emoji, links, or {@code #channel} and {@code @here} parsing; and
   * {@code &}, {@code <} and {@code >} are escaped as Slack documents, so that {@code <!channel>}
   * or {@code <https://…|…>} cannot form either. Line breaks and other control characters become
   * spaces: a code span ends at a line break.
   */
  static String verbatim(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2);
    text.strip()
        .codePoints()
        .forEach(
            cp ->
                out.appendCodePoint(
                    cp == '`' ? BACKTICK_STAND_IN : Character.isISOControl(cp) ? ' ' : cp));
    String inside = out.toString().strip();
    return inside.isEmpty() ? "(empty)" : "`" + escape(inside) + "`";
  }

  /** Ends {@code text} with one full stop: API messages often carry their own. */
  static String sentence(String text) {
    String trimmed = text.strip();
    return trimmed.endsWith(".") || trimmed.endsWith("!") || trimmed.endsWith("?")
        ? trimmed
        : trimmed + ".";
  }
}
