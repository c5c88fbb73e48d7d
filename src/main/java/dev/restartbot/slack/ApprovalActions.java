package dev.restartbot.slack;

import com.slack.api.app_backend.interactive_components.payload.BlockActionPayload;
import com.slack.api.bolt.context.builtin.ActionContext;
import com.slack.api.bolt.request.builtin.BlockActionRequest;
import com.slack.api.bolt.response.Response;
import dev.restartbot.restart.ClickResult;
import dev.restartbot.restart.Refusal;
import dev.restartbot.restart.RequestLifecycle;
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

  /** One click, reduced to what the lifecycle needs. */
  private record Click(
      String requestId, String userId, String channelId, String messageTs, ActionContext ctx) {}

  private final RequestLifecycle lifecycle;
  private final SlackDirectory directory;
  private final SlackClient slack;
  private final EdgeWork executor;
  private final OrderedDelivery delivery;
  private final Installation installation;
  private final UserLimits limits;

  ApprovalActions(
      RequestLifecycle lifecycle,
      SlackDirectory directory,
      SlackClient slack,
      EdgeWork executor,
      OrderedDelivery delivery,
      Installation installation,
      UserLimits limits) {
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

  Response abort(BlockActionRequest req, ActionContext ctx) {
    return take(req, ctx, Button.ABORT);
  }

  private Response take(BlockActionRequest req, ActionContext ctx, Button button) {
    BlockActionPayload payload = req.getPayload();
    Click click = click(payload, ctx);
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
      executor.run(() -> handle(click, button));
    } catch (RejectedExecutionException e) {
      LOG.warnf("a click on request %s refused: the edge is full", click.requestId());
      tell(click, Messages.busy());
    }
    return ctx.ack();
  }

  private void handle(Click click, Button button) {
    try {
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
    // Outside the bot's channels only the click's own response URL reaches the user.
    try {
      click.ctx().respond(r -> r.responseType("ephemeral").replaceOriginal(false).text(text));
    } catch (Exception e) {
      LOG.warnf("could not tell %s: %s", click.userId(), e.getMessage());
    }
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
    return new Click(value, user, channel, messageTs, ctx);
  }
}
