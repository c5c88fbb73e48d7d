package dev.restartbot.slack;

import com.slack.api.model.block.LayoutBlock;
import dev.restartbot.restart.Decider;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.restart.WorkloadSnapshot;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * A request's presence in the channel: the approval message, updated in place as the request moves,
 * and the thread beneath it with one reply per target and a closing summary. It renders request
 * events and decides nothing; each request's events are delivered in order on {@link
 * OrderedDelivery}, so the sequence of restarts never waits for Slack.
 */
@Singleton
public class RequestRenderer implements RequestEvent.Visitor<Void> {

  private static final Logger LOG = Logger.getLogger(RequestRenderer.class);

  private final SlackClient slack;
  private final RequestLifecycle lifecycle;
  private final MessageUpdates updates;
  private final OrderedDelivery delivery;

  /** Per request, the thread reply of each target; touched only on the request's own queue. */
  private final Map<String, Map<Integer, String>> replies = new ConcurrentHashMap<>();

  /**
   * Per request, the results already known when the events were published, ahead of what Slack has
   * been shown. When the sequence runs ahead of Slack (a fan-out without waiting for rollouts, a
   * slow Slack), a target's reply is posted once, with its result, instead of "restarting" and then
   * an edit: half the calls, and nothing stale on the way.
   */
  private final Map<String, Map<Integer, TargetResult>> known = new ConcurrentHashMap<>();

  /** Per request, the targets whose reply was posted with the result already in it. */
  private final Map<String, Set<Integer>> postedFinal = new ConcurrentHashMap<>();

  /**
   * Per pending request, the targets as its approval message showed them (with their risks), so
   * that the message keeps them when an approval is counted. A replica that did not post it shows
   * the targets by name only.
   */
  private final Map<String, List<WorkloadSnapshot>> shown = new ConcurrentHashMap<>();

  RequestRenderer(
      SlackClient slack,
      RequestLifecycle lifecycle,
      MessageUpdates updates,
      OrderedDelivery delivery) {
    this.slack = slack;
    this.lifecycle = lifecycle;
    this.updates = updates;
    this.delivery = delivery;
  }

  void on(@Observes RequestEvent event) {
    if (event instanceof RequestEvent.TargetFinished f) {
      known
          .computeIfAbsent(f.requestId(), id -> new ConcurrentHashMap<>())
          .put(f.index(), f.result());
    }
    if (!event.requestId().isEmpty() && !rendersNothing(event)) {
      delivery.submit(event.requestId(), () -> event.accept(this));
    }
  }

  /**
   * Events that change nothing in the channel (their methods below return at once): not queued, so
   * that the sequence does not wake a delivery thread for them.
   */
  static boolean rendersNothing(RequestEvent event) {
    return event instanceof RequestEvent.TargetPatched
        || event instanceof RequestEvent.CommandRefused
        || event instanceof RequestEvent.ClickRefused
        || event instanceof RequestEvent.Submitted
        || event instanceof RequestEvent.Abandoned;
  }

  /**
   * Posts the approval message of a new request and tells the lifecycle where it is (a request that
   * needs no approval then starts). Answers Slack's error when it could not be posted: the request
   * is then given up.
   */
  public Optional<SlackDeliveryException> open(
      RestartRequest request, List<WorkloadSnapshot> snapshots) {
    String ts;
    try {
      ts =
          slack.post(
              request.channelId(),
              null,
              Messages.pendingText(request),
              request.approvalRequired()
                  ? ApprovalMessage.pending(request, snapshots)
                  : ApprovalMessage.decided(request));
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not post the approval message of request %s: %s", request.id(), e.error());
      lifecycle.messageNotPlaced(request.id(), e.error());
      return Optional.of(e);
    }
    if (request.approvalRequired()) {
      shown.put(request.id(), List.copyOf(snapshots));
    }
    lifecycle.messagePlaced(request.id(), ts);
    return Optional.empty();
  }

  @Override
  public Void commandRefused(RequestEvent.CommandRefused e) {
    return null; // answered in the command's ack
  }

  @Override
  public Void clickRefused(RequestEvent.ClickRefused e) {
    return null; // answered to the clicker alone
  }

  @Override
  public Void submitted(RequestEvent.Submitted e) {
    return null; // its message is posted by open(), which tells the lifecycle where it is
  }

  @Override
  public Void abandoned(RequestEvent.Abandoned e) {
    return null; // there is no message to update; the requester is told in the command's answer
  }

  @Override
  public Void decided(RequestEvent.Decided e) {
    if (e.request().state().isFinal()) {
      forget(e.requestId());
    }
    showState(latestIfStarted(e.request()));
    return null;
  }

  /**
   * An approval starts the run before it is published, so its run may have been shown RUNNING
   * already: the approval must not put "approved" (and no Abort button) back over it.
   */
  private RestartRequest latestIfStarted(RestartRequest approved) {
    if (approved.state() != RequestState.APPROVED) {
      return approved;
    }
    try {
      return lifecycle
          .find(approved.id())
          .filter(r -> r.state() == RequestState.RUNNING)
          .orElse(approved);
    } catch (RuntimeException x) {
      LOG.debugf("could not read request %s again: %s", approved.id(), x.getMessage());
      return approved;
    }
  }

  @Override
  public Void approvalCounted(RequestEvent.ApprovalCounted e) {
    // Still pending: the buttons stay, with who approved so far and how many more it needs.
    RestartRequest request = e.request();
    request
        .messageTs()
        .ifPresent(
            ts ->
                updates.show(
                    request.channelId(),
                    ts,
                    Messages.pendingText(request) + " · " + Messages.approvalCount(request),
                    ApprovalMessage.pending(request, shown.getOrDefault(request.id(), List.of())),
                    MessageUpdates.Priority.STATE));
    return null;
  }

  @Override
  public Void outdated(RequestEvent.Outdated e) {
    forget(e.requestId());
    deliver(e.request(), Messages.outdated(e));
    showState(e.request());
    return null;
  }

  @Override
  public Void expired(RequestEvent.Expired e) {
    shown.remove(e.requestId());
    showState(e.request(), MessageUpdates.Priority.EXPIRY);
    return null;
  }

  @Override
  public Void started(RequestEvent.Started e) {
    showState(e.request());
    return null;
  }

  @Override
  public Void targetStarted(RequestEvent.TargetStarted e) {
    Optional<TargetResult> result = knownResult(e.requestId(), e.index());
    String text = result.map(Messages::result).orElse(Messages.started(e.target()));
    List<LayoutBlock> blocks =
        result.map(r -> ResultMessage.blocks(e.request(), e.index(), r, text)).orElse(null);
    try {
      String ts =
          slack.post(e.request().channelId(), e.request().messageTs().orElse(null), text, blocks);
      replies.computeIfAbsent(e.requestId(), id -> new HashMap<>()).put(e.index(), ts);
      if (result.isPresent()) {
        postedFinal.computeIfAbsent(e.requestId(), id -> new HashSet<>()).add(e.index());
      }
    } catch (SlackDeliveryException x) {
      LOG.warnf("could not post to the thread of request %s: %s", e.requestId(), x.error());
      if (result.isPresent() && x.deliveryUnknown()) {
        // The result may be in the thread already: never post it again; tell the people instead.
        postedFinal.computeIfAbsent(e.requestId(), id -> new HashSet<>()).add(e.index());
        tell(e.request(), x, text);
      }
    }
    return null;
  }

  @Override
  public Void targetPatched(RequestEvent.TargetPatched e) {
    return null; // the target's reply says "restarting" until the rollout moves
  }

  @Override
  public Void targetProgress(RequestEvent.TargetProgress e) {
    String ts = reply(e.requestId(), e.index());
    if (ts != null && knownResult(e.requestId(), e.index()).isEmpty()) {
      updates.progress(
          e.request().channelId(), ts, Messages.progress(e.target(), e.status().summary()));
    }
    return null;
  }

  @Override
  public Void targetFinished(RequestEvent.TargetFinished e) {
    if (postedFinal.getOrDefault(e.requestId(), Set.of()).contains(e.index())) {
      return null; // its reply was posted with this result
    }
    String text = Messages.result(e.result());
    List<LayoutBlock> blocks = ResultMessage.blocks(e.request(), e.index(), e.result(), text);
    String ts = reply(e.requestId(), e.index());
    if (ts == null) {
      deliver(e.request(), text, blocks);
      return null;
    }
    // The limiter sends the final after any progress in flight; if Slack will not take it, the
    // result goes to the thread as a reply of its own.
    updates.finish(
        e.request().channelId(),
        ts,
        text,
        blocks,
        () -> delivery.submit(e.requestId(), () -> deliver(e.request(), text, blocks)));
    return null;
  }

  @Override
  public Void finished(RequestEvent.Finished e) {
    forget(e.requestId());
    deliver(e.request(), Messages.summary(e.request()));
    showState(e.request());
    return null;
  }

  @Override
  public Void interrupted(RequestEvent.Interrupted e) {
    forget(e.requestId());
    deliver(e.request(), Messages.interrupted(e.request(), e.why()));
    showState(e.request());
    return null;
  }

  @Override
  public Void handedBack(RequestEvent.HandedBack e) {
    forget(e.requestId());
    deliver(e.request(), Messages.handedBack(e.request()));
    return null;
  }

  @Override
  public Void resumed(RequestEvent.Resumed e) {
    deliver(e.request(), Messages.resumed(e.request()));
    showState(e.request());
    return null;
  }

  @Override
  public Void abortRequested(RequestEvent.AbortRequested e) {
    // The Abort button goes; the state line says who asked and that the current target finishes.
    showState(e.request());
    return null;
  }

  private Optional<TargetResult> knownResult(String requestId, int index) {
    Map<Integer, TargetResult> of = known.get(requestId);
    return Optional.ofNullable(of == null ? null : of.get(index));
  }

  private void forget(String requestId) {
    shown.remove(requestId);
    replies.remove(requestId);
    known.remove(requestId);
    postedFinal.remove(requestId);
  }

  private String reply(String requestId, int index) {
    Map<Integer, String> of = replies.get(requestId);
    return of == null ? null : of.get(index);
  }

  /** Shows the request's state on the approval message, once it has one. */
  private void showState(RestartRequest request) {
    showState(request, MessageUpdates.Priority.STATE);
  }

  /**
   * Hands the state to the app-wide {@code chat.update} budget and returns at once: a sweep's
   * thousand expiries wait there, never on the delivery threads that other requests share.
   */
  private void showState(RestartRequest request, MessageUpdates.Priority priority) {
    request
        .messageTs()
        .ifPresent(
            ts ->
                updates.show(
                    request.channelId(),
                    ts,
                    Messages.stateLine(request),
                    ApprovalMessage.decided(request),
                    priority));
  }

  /**
   * Posts a result to the thread; when Slack will not take it even after retries, tells the
   * requester and the approver (ephemeral), so that nobody waits for a message that is not coming.
   * The audit log has the record either way.
   */
  private void deliver(RestartRequest request, String text) {
    deliver(request, text, null);
  }

  private void deliver(RestartRequest request, String text, List<LayoutBlock> blocks) {
    try {
      slack.post(request.channelId(), request.messageTs().orElse(null), text, blocks);
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not post to the thread of request %s: %s", request.id(), e.error());
      tell(request, e, text);
    }
  }

  /**
   * Tells the requester and the approver (ephemeral) what did not, or may not, reach the thread.
   */
  private void tell(RestartRequest request, SlackDeliveryException failure, String text) {
    String note = Messages.notInThread(request, failure, text);
    for (String user : people(request)) {
      try {
        slack.ephemeral(request.channelId(), user, note);
      } catch (SlackDeliveryException again) {
        LOG.warnf("could not tell %s about it either: %s", user, again.error());
      }
    }
  }

  /** The requester and the person who decided, once each; the policy is nobody to tell. */
  private static Set<String> people(RestartRequest request) {
    Set<String> people = new LinkedHashSet<>();
    people.add(request.requesterId());
    request.decidedBy().filter(d -> d instanceof Decider.Person).ifPresent(d -> people.add(d.id()));
    return people;
  }
}
