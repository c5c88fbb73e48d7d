package dev.restartbot.slack;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditConfig;
import dev.restartbot.policy.Target;
import dev.restartbot.restart.Decider;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RestartRequest;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Copies every step of every request to {@code restart.audit-channel}, when one is configured: one
 * line per step, worded as the request's own channel words it, in the order the steps happened.
 */
@Singleton
public class AuditChannel implements RequestEvent.Visitor<Optional<String>> {

  private static final Logger LOG = Logger.getLogger(AuditChannel.class);
  private static final String QUEUE = "audit-channel";

  private final SlackClient slack;
  private final OrderedDelivery delivery;
  private final Optional<String> channel;

  AuditChannel(SlackClient slack, OrderedDelivery delivery, AuditConfig config) {
    this.slack = slack;
    this.delivery = delivery;
    this.channel = config.auditChannel().filter(c -> !c.isBlank());
  }

  void on(@Observes RequestEvent event) {
    if (channel.isEmpty()) {
      return;
    }
    // Refusals are what anyone can cause at will: their copies may be dropped when the queue is
    // full (the structured audit log has them); a request's own steps never are.
    boolean optional =
        event instanceof RequestEvent.CommandRefused || event instanceof RequestEvent.ClickRefused;
    line(event)
        .ifPresent(
            text -> {
              Runnable copy = () -> post(channel.get(), text);
              if (optional) {
                delivery.offer(QUEUE, copy);
              } else {
                delivery.submit(QUEUE, copy);
              }
            });
  }

  /** The audit channel's line for {@code event}; empty for what is not a step (progress). */
  Optional<String> line(RequestEvent event) {
    return event.accept(this);
  }

  private void post(String channel, String text) {
    try {
      slack.post(channel, null, text, null);
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not copy an audit record to %s: %s", channel, e.error());
    }
  }

  @Override
  public Optional<String> commandRefused(RequestEvent.CommandRefused e) {
    return line(
        AuditAction.REFUSED,
        "",
        e.requester().userId(),
        e.targets(),
        Refusals.text(e.refusal(), RestartCommand::permalink));
  }

  @Override
  public Optional<String> clickRefused(RequestEvent.ClickRefused e) {
    return line(
        AuditAction.CLICK_REFUSED,
        e.requestId(),
        e.clicker().userId(),
        List.of(),
        Refusals.text(e.refusal(), RestartCommand::permalink));
  }

  @Override
  public Optional<String> submitted(RequestEvent.Submitted e) {
    RestartRequest r = e.request();
    return line(
        AuditAction.REQUESTED,
        r.id(),
        r.requesterId(),
        r.targets(),
        (r.decidedByPolicy() ? "No approval needed by the policy." : "Waiting for approval.")
            + r.reason().map(reason -> " Reason: " + Messages.verbatim(reason)).orElse(""));
  }

  @Override
  public Optional<String> abandoned(RequestEvent.Abandoned e) {
    return line(
        AuditAction.ABANDONED,
        e.requestId(),
        "",
        e.request().targets(),
        "The approval message could not be posted (%s).".formatted(Messages.escape(e.why())));
  }

  @Override
  public Optional<String> decided(RequestEvent.Decided e) {
    RestartRequest r = e.request();
    AuditAction action =
        switch (r.state()) {
          case DENIED -> AuditAction.DENIED;
          case WITHDRAWN -> AuditAction.WITHDRAWN;
          default -> AuditAction.APPROVED;
        };
    return line(action, r.id(), decider(r), r.targets(), Messages.approvalCount(r));
  }

  @Override
  public Optional<String> approvalCounted(RequestEvent.ApprovalCounted e) {
    RestartRequest r = e.request();
    return line(
        AuditAction.APPROVAL_COUNTED, r.id(), e.by().id(), r.targets(), Messages.approvalCount(r));
  }

  @Override
  public Optional<String> outdated(RequestEvent.Outdated e) {
    return line(
        AuditAction.OUTDATED,
        e.requestId(),
        decider(e.request()),
        e.request().targets(),
        Messages.outdated(e));
  }

  @Override
  public Optional<String> expired(RequestEvent.Expired e) {
    return line(
        AuditAction.EXPIRED, e.requestId(), "", e.request().targets(), "Nobody decided in time.");
  }

  @Override
  public Optional<String> started(RequestEvent.Started e) {
    return line(
        AuditAction.STARTED, e.requestId(), decider(e.request()), e.request().targets(), "");
  }

  @Override
  public Optional<String> targetStarted(RequestEvent.TargetStarted e) {
    return Optional.empty();
  }

  @Override
  public Optional<String> targetPatched(RequestEvent.TargetPatched e) {
    return Optional.empty();
  }

  @Override
  public Optional<String> targetProgress(RequestEvent.TargetProgress e) {
    return Optional.empty();
  }

  @Override
  public Optional<String> targetFinished(RequestEvent.TargetFinished e) {
    return line(AuditAction.RESULT, e.requestId(), "", List.of(), Messages.result(e.result()));
  }

  @Override
  public Optional<String> finished(RequestEvent.Finished e) {
    return line(
        AuditAction.FINISHED,
        e.requestId(),
        "",
        List.of(),
        Messages.summaryCounts(e.request().results())
            + e.request().abortedBy().map(by -> ", aborted by " + Messages.who(by)).orElse("")
            + ".");
  }

  @Override
  public Optional<String> interrupted(RequestEvent.Interrupted e) {
    RestartRequest r = e.request();
    return line(
        AuditAction.INTERRUPTED,
        r.id(),
        "",
        List.of(),
        (e.why() == RequestEvent.Interruption.CLAIM_LOST
                ? "The replica running it lost its claim and stopped; %d of %d targets done."
                : "The replica running it stopped; %d of %d targets done.")
            .formatted(r.results().size(), r.targets().size()));
  }

  @Override
  public Optional<String> handedBack(RequestEvent.HandedBack e) {
    RestartRequest r = e.request();
    return line(
        AuditAction.HANDED_BACK,
        r.id(),
        "",
        List.of(),
        "The replica running it shut down; %d of %d targets done, another replica resumes it."
            .formatted(r.results().size(), r.targets().size()));
  }

  @Override
  public Optional<String> resumed(RequestEvent.Resumed e) {
    RestartRequest r = e.request();
    return line(
        AuditAction.RESUMED,
        r.id(),
        "",
        List.of(),
        "Resumed by another replica from target %d of %d."
            .formatted(r.results().size() + 1, r.targets().size()));
  }

  @Override
  public Optional<String> abortRequested(RequestEvent.AbortRequested e) {
    RestartRequest r = e.request();
    return line(
        AuditAction.ABORT_REQUESTED,
        r.id(),
        e.by().userId(),
        List.of(),
        "The target under way is followed to its end; the rest are skipped.");
  }

  private static String decider(RestartRequest r) {
    return r.decidedBy().filter(Decider.Person.class::isInstance).map(Decider::id).orElse("");
  }

  private static Optional<String> line(
      AuditAction action, String requestId, String actor, List<Target> targets, String words) {
    StringBuilder text = new StringBuilder("`").append(action.label()).append('`');
    if (!requestId.isEmpty()) {
      text.append(" request `").append(requestId).append('`');
    }
    if (!actor.isEmpty()) {
      text.append(" by <@").append(actor).append('>');
    }
    if (!targets.isEmpty()) {
      text.append(" · ").append(Messages.targetList(targets));
    }
    if (!words.isEmpty()) {
      text.append(" · ").append(words);
    }
    return Optional.of(text.toString());
  }
}
