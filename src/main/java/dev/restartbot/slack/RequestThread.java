package dev.restartbot.slack;

import dev.restartbot.policy.Target;
import dev.restartbot.restart.ExecutionListener;
import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.RolloutStatus;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.restart.WorkloadSnapshot;
import jakarta.inject.Singleton;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * A request's presence in the channel: the approval message, updated in place as the request moves,
 * and the thread beneath it with one reply per target and a closing summary.
 */
@Singleton
public class RequestThread {

  private static final Logger LOG = Logger.getLogger(RequestThread.class);

  private final SlackClient slack;
  private final RequestLifecycle lifecycle;
  private final ProgressUpdates progress;

  RequestThread(SlackClient slack, RequestLifecycle lifecycle, ProgressUpdates progress) {
    this.slack = slack;
    this.lifecycle = lifecycle;
    this.progress = progress;
  }

  /**
   * Posts the approval message of a new request (and runs it at once when no approval is needed).
   * Answers Slack's error when the message could not be posted; the request is then given up.
   */
  public Optional<SlackDeliveryException> open(
      RestartRequest request, List<WorkloadSnapshot> snapshots) {
    String ts;
    try {
      ts =
          request.approvalRequired()
              ? slack.post(
                  request.channelId(),
                  null,
                  Messages.pendingText(request),
                  Messages.pending(request, snapshots))
              : slack.post(
                  request.channelId(),
                  null,
                  Messages.pendingText(request),
                  Messages.decided(request));
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not post the approval message of request %s: %s", request.id(), e.error());
      lifecycle.abandon(request.id(), "approval message not posted: " + e.error());
      return Optional.of(e);
    }
    RestartRequest placed = lifecycle.attachMessage(request.id(), ts).orElse(request);
    if (!request.approvalRequired()) {
      run(placed);
    }
    return Optional.empty();
  }

  /** Shows a decision (approved, denied, withdrawn, expired) on the approval message. */
  public void showState(RestartRequest request) {
    request
        .messageTs()
        .ifPresent(
            ts -> {
              try {
                slack.update(
                    request.channelId(),
                    ts,
                    Messages.stateLine(request),
                    Messages.decided(request));
              } catch (SlackDeliveryException e) {
                LOG.warnf(
                    "could not update the message of request %s: %s", request.id(), e.error());
              }
            });
  }

  /** Runs an approved request, reporting each target in the thread; a lost race runs nothing. */
  public void run(RestartRequest approved) {
    Reporter reporter = new Reporter();
    Optional<RestartRequest> done = lifecycle.execute(approved.id(), reporter);
    if (done.isEmpty()) {
      return;
    }
    RestartRequest finished = done.get();
    if (finished.state() == dev.restartbot.restart.RequestState.INTERRUPTED) {
      return;
    }
    deliver(finished, Messages.summary(finished));
    showState(finished);
  }

  /** Tells the thread that the replica running a request died, and what did not happen. */
  public void interrupted(RestartRequest request) {
    deliver(request, Messages.interrupted(request));
    showState(request);
  }

  private String reply(RestartRequest request, String text) {
    try {
      return post(request, text);
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not post to the thread of request %s: %s", request.id(), e.error());
      return null;
    }
  }

  /**
   * Posts a result to the thread; when Slack will not take it even after retries, tells the
   * requester and the approver (ephemeral), so that nobody waits for a message that is not coming.
   * The audit log has the record either way.
   */
  private void deliver(RestartRequest request, String text) {
    try {
      post(request, text);
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not post to the thread of request %s: %s", request.id(), e.error());
      String note =
          ":warning: I could not post this in the thread of request `"
              + request.id()
              + "` (Slack answered "
              + e.error()
              + "); the bot's audit log has it:\n"
              + text;
      for (String user : people(request)) {
        try {
          slack.ephemeral(request.channelId(), user, note);
        } catch (SlackDeliveryException again) {
          LOG.warnf("could not tell %s about it either: %s", user, again.error());
        }
      }
    }
  }

  private String post(RestartRequest request, String text) {
    return slack.post(request.channelId(), request.messageTs().orElse(null), text, null);
  }

  /** The requester and whoever decided, once each; the policy is nobody to tell. */
  private static Set<String> people(RestartRequest request) {
    Set<String> people = new LinkedHashSet<>();
    people.add(request.requesterId());
    request.decidedBy().filter(id -> !RestartRequest.POLICY.equals(id)).ifPresent(people::add);
    return people;
  }

  /** Posts a reply when a target starts and turns it into the result when it ends. */
  private final class Reporter implements ExecutionListener {
    private final Map<Integer, String> replies = new ConcurrentHashMap<>();

    @Override
    public void targetStarted(RestartRequest request, Target target, int index) {
      if (replies.isEmpty()) {
        showState(request);
      }
      String ts = reply(request, Messages.started(target));
      if (ts != null) {
        replies.put(index, ts);
      }
    }

    @Override
    public void targetProgress(
        RestartRequest request, Target target, int index, RolloutStatus status) {
      String ts = replies.get(index);
      if (ts != null) {
        progress.progress(request.channelId(), ts, Messages.progress(target, status.summary()));
      }
    }

    @Override
    public void targetFinished(RestartRequest request, TargetResult result, int index) {
      String text = Messages.result(result);
      String ts = replies.get(index);
      if (ts == null) {
        deliver(request, text);
        return;
      }
      try {
        progress.finish(request.channelId(), ts, text);
      } catch (SlackDeliveryException e) {
        deliver(request, text);
      }
    }
  }
}
