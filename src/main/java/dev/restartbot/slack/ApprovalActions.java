package dev.restartbot.slack;

import com.slack.api.app_backend.interactive_components.payload.BlockActionPayload;
import com.slack.api.bolt.context.builtin.ActionContext;
import com.slack.api.bolt.request.builtin.BlockActionRequest;
import com.slack.api.bolt.response.Response;
import dev.restartbot.restart.ClickResult;
import dev.restartbot.restart.Refusal;
import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.SubmitResult;
import jakarta.inject.Singleton;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * The Approve, Deny and Abort buttons. Each click is acknowledged at once, then handed to the
 * lifecycle, which decides; a refused click is answered to the clicker alone. What follows an
 * accepted click (the message update, the restarts) comes back as request events.
 *
 * <p>Before anything else, at the edge: a click from another workspace or another app is dropped,
 * and a click over its user's limit ({@link UserLimits}) is refused, both without a Slack or
 * Kubernetes API call on its behalf (but the one that tells the clicker to slow down).
 */
@Singleton
public class ApprovalActions {

  private static final Logger LOG = Logger.getLogger(ApprovalActions.class);

  /**
   * One click, reduced to what the lifecycle needs. A click in the Home tab ({@code fromHome})
   * stands for a click on the request's approval message: it carries that message's channel and ts,
   * so it meets the same checks.
   */
  private record Click(
      String requestId,
      String userId,
      String channelId,
      String messageTs,
      ActionContext ctx,
      boolean fromHome) {}

  private final RequestLifecycle lifecycle;
  private final SlackDirectory directory;
  private final SlackClient slack;
  private final EdgeWork executor;
  private final OrderedDelivery delivery;
  private final Installation installation;
  private final UserLimits limits;
  private final RequestRenderer renderer;

  ApprovalActions(
      RequestLifecycle lifecycle,
      SlackDirectory directory,
      SlackClient slack,
      EdgeWork executor,
      OrderedDelivery delivery,
      Installation installation,
      UserLimits limits,
      RequestRenderer renderer) {
    this.renderer = renderer;
    this.lifecycle = lifecycle;
    this.directory = directory;
    this.slack = slack;
    this.executor = executor;
    this.delivery = delivery;
    this.installation = installation;
    this.limits = limits;
  }

  /** Which button was clicked. */
  private enum Button {
    APPROVE,
    DENY,
    ABORT
  }

  Response approve(BlockActionRequest req, ActionContext ctx) {
    return take(req, ctx, Button.APPROVE);
  }

  Response deny(BlockActionRequest req, ActionContext ctx) {
    return take(req, ctx, Button.DENY);
  }

  /**
   * The Roll back button on a failed restart's result: files a new request, whose approval message
   * goes to the channel like a command's; a refusal goes to the clicker alone.
   */
  Response rollback(BlockActionRequest req, ActionContext ctx) {
    return admit(req, ctx, click -> executor.run(() -> handleRollback(click)));
  }

  private void handleRollback(Click click) {
    // The value is "<request id>/<target index>"; anything else cannot name a result.
    String value = click.requestId();
    int slash = value.lastIndexOf('/');
    int index;
    try {
      index = slash < 0 ? -1 : Integer.parseInt(value.substring(slash + 1));
    } catch (NumberFormatException e) {
      index = -1;
    }
    String requestId = slash < 0 ? value : value.substring(0, slash);
    try {
      SlackDirectory.Person person = directory.person(click.userId());
      SubmitResult result =
          index < 0
              ? new SubmitResult.Refused(new Refusal.NotRollbackable())
              : lifecycle.rollback(requestId, index, person.actor(), person.name(), directory);
      if (result instanceof SubmitResult.Refused refused) {
        tell(click, Refusals.answer(refused.refusal(), RestartCommand::permalink));
        return;
      }
      SubmitResult.Submitted submitted = (SubmitResult.Submitted) result;
      renderer
          .open(submitted.request(), submitted.snapshots())
          .ifPresent(failure -> tell(click, Messages.notPosted(failure)));
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not handle a roll back click on %s: %s", value, e.getMessage());
      tell(click, Refusals.answer(new Refusal.WhoUnknown(e.error()), RestartCommand::permalink));
    } catch (RuntimeException e) {
      LOG.errorf(e, "a roll back click on %s failed", value);
      tell(click, "Sorry, something went wrong on my side; the details are in the bot's logs.");
    }
  }

  Response abort(BlockActionRequest req, ActionContext ctx) {
    return take(req, ctx, Button.ABORT);
  }

  private Response take(BlockActionRequest req, ActionContext ctx, Button button) {
    return admit(req, ctx, click -> executor.run(() -> handle(click, button)));
  }

  /** A task for an admitted click; it may refuse with {@link RejectedExecutionException}. */
  @FunctionalInterface
  private interface ClickWork {
    void start(Click click);
  }

  /**
   * Checks a click at the edge (its user's limit, its workspace and app) and hands it to {@code
   * work}; the click is acknowledged at once either way.
   */
  private Response admit(BlockActionRequest req, ActionContext ctx, ClickWork work) {
    BlockActionPayload payload = req.getPayload();
    Click click = click(payload, ctx);
    if (click.userId() == null || click.userId().isBlank()) {
      // Slack always says who clicked; a signed payload without a user is not a click to answer.
      LOG.infof("ignored a click without a user on request %s", click.requestId());
      return ctx.ack();
    }
    UserLimits.Verdict limit = limits.take(click.userId(), "click");
    if (!limit.allowed()) {
      if (limit.tell()) {
        tell(click, Messages.slowDown(limit.retryAfter()));
      }
      return ctx.ack();
    }
    String team = payload.getTeam() == null ? null : payload.getTeam().getId();
    if (!installation.isOurs(team, payload.getApiAppId())) {
      // Signed, but not for this installation: another workspace, or another app.
      LOG.warnf("refused a click from another workspace or app on request %s", click.requestId());
      tell(click, Refusals.answer(new Refusal.NotItsMessage(), RestartCommand::permalink));
      return ctx.ack();
    }
    try {
      work.start(click);
    } catch (RejectedExecutionException e) {
      LOG.warnf("a click on request %s refused: the edge is full", click.requestId());
      tell(click, Messages.busy());
    }
    return ctx.ack();
  }

  private void handle(Click seen, Button button) {
    Click click = seen;
    try {
      if (click.fromHome()) {
        click = onItsMessage(click);
      }
      SlackDirectory.Person person = directory.person(click.userId());
      ClickResult result =
          switch (button) {
            case APPROVE ->
                lifecycle.approve(
                    click.requestId(),
                    click.channelId(),
                    click.messageTs(),
                    person.actor(),
                    person.name(),
                    directory);
            case DENY ->
                lifecycle.deny(
                    click.requestId(),
                    click.channelId(),
                    click.messageTs(),
                    person.actor(),
                    person.name(),
                    directory);
            case ABORT ->
                lifecycle.abort(
                    click.requestId(),
                    click.channelId(),
                    click.messageTs(),
                    person.actor(),
                    person.name(),
                    directory);
          };
      if (result instanceof ClickResult.Refused refused) {
        tell(click, Refusals.answer(refused.refusal(), RestartCommand::permalink));
      }
    } catch (SlackDeliveryException e) {
      LOG.warnf("could not handle a click on request %s: %s", click.requestId(), e.getMessage());
      tell(click, Refusals.answer(new Refusal.WhoUnknown(e.error()), RestartCommand::permalink));
    } catch (RuntimeException e) {
      LOG.errorf(e, "a click on request %s failed", click.requestId());
      tell(click, "Sorry, something went wrong on my side; the details are in the bot's logs.");
    }
  }

  /**
   * Answers the clicker alone, on the delivery threads (its retries never sleep on a thread that
   * serves requests); dropped with a logged error when those queues are full.
   */
  private void tell(Click click, String text) {
    delivery.offer("ephemeral:" + click.userId(), () -> deliver(click, text));
  }

  private void deliver(Click click, String text) {
    if (click.channelId() != null) {
      try {
        slack.ephemeral(click.channelId(), click.userId(), text);
        return;
      } catch (SlackDeliveryException e) {
        LOG.debugf("chat.postEphemeral to %s failed: %s", click.userId(), e.error());
      }
    }
    if (click.fromHome()) {
      // The Home tab has no response URL: the clicker's direct message with the app it is.
      try {
        slack.post(click.userId(), null, text, null);
      } catch (SlackDeliveryException e) {
        LOG.warnf("could not tell %s: %s", click.userId(), e.error());
      }
      return;
    }
    // Outside the bot's channels only the click's own response URL reaches the user.
    try {
      click.ctx().respond(r -> r.responseType("ephemeral").replaceOriginal(false).text(text));
    } catch (Exception e) {
      LOG.warnf("could not tell %s: %s", click.userId(), e.getMessage());
    }
  }

  /**
   * A click in the Home tab, placed on the approval message of its request (its channel and ts);
   * unchanged when the request is unknown or has no message, which the lifecycle then refuses.
   */
  private Click onItsMessage(Click click) {
    return lifecycle
        .find(click.requestId())
        .map(
            r ->
                new Click(
                    click.requestId(),
                    click.userId(),
                    r.channelId(),
                    r.messageTs().orElse(null),
                    click.ctx(),
                    true))
        .orElse(click);
  }

  private static Click click(BlockActionPayload payload, ActionContext ctx) {
    String value =
        payload.getActions() == null || payload.getActions().isEmpty()
            ? ""
            : String.valueOf(payload.getActions().get(0).getValue());
    String channel = payload.getChannel() == null ? null : payload.getChannel().getId();
    String messageTs =
        payload.getContainer() == null ? null : payload.getContainer().getMessageTs();
    String user = payload.getUser() == null ? null : payload.getUser().getId();
    boolean fromHome =
        payload.getContainer() != null
            && "view".equals(payload.getContainer().getType())
            && payload.getView() != null
            && "home".equals(payload.getView().getType());
    return new Click(value, user, channel, messageTs, ctx, fromHome);
  }
}
