package dev.restartbot.slack;

import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.bolt.context.builtin.SlashCommandContext;
import com.slack.api.bolt.handler.builtin.SlashCommandHandler;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.response.Response;
import dev.restartbot.audit.AuditConfig;
import dev.restartbot.cluster.Clusters;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.Target;
import dev.restartbot.restart.Refusal;
import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.Selection;
import dev.restartbot.restart.Submission;
import dev.restartbot.restart.SubmitResult;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * {@code /restart}: parses the command, checks it, and answers the requester (ephemeral, in the ack
 * when the checks finish within Slack's three seconds, through the response URL otherwise).
 */
@Singleton
public class RestartCommand implements SlashCommandHandler {

  private static final Logger LOG = Logger.getLogger(RestartCommand.class);

  private final CommandParser parser;
  private final RequestLifecycle lifecycle;
  private final SlackDirectory directory;
  private final RequestRenderer renderer;
  private final EdgeWork executor;
  private final UserLimits limits;
  private final SlackSettings settings;
  private final Optional<String> auditChannel;

  RestartCommand(
      PolicyConfig policy,
      RequestLifecycle lifecycle,
      SlackDirectory directory,
      RequestRenderer renderer,
      EdgeWork executor,
      UserLimits limits,
      SlackSettings settings,
      AuditConfig audit,
      Clusters clusters) {
    this.parser =
        new CommandParser(
            policy.defaultNamespace(),
            policy.maxTargets(),
            clusters.names(),
            clusters.defaultCluster());
    this.lifecycle = lifecycle;
    this.directory = directory;
    this.renderer = renderer;
    this.executor = executor;
    this.limits = limits;
    this.settings = settings;
    this.auditChannel = audit.auditChannel();
  }

  @Override
  public Response apply(SlashCommandRequest req, SlashCommandContext ctx) {
    SlashCommandPayload payload = req.getPayload();
    // Before anything else: no Slack or Kubernetes call for a user over the limit.
    UserLimits.Verdict limit = limits.take(payload.getUserId(), "command");
    if (!limit.allowed()) {
      return ctx.ack(Messages.slowDown(limit.retryAfter()));
    }
    Command command = parser.parse(payload.getText());
    if (command instanceof Command.Invalid invalid) {
      return ctx.ack(invalid.problem() + "\n\n" + parser.help(payload.getCommand()));
    }
    if (command instanceof Command.Help) {
      return ctx.ack(parser.help(payload.getCommand()));
    }
    if (command instanceof Command.History history) {
      boolean everything = auditChannel.map(payload.getChannelId()::equals).orElse(false);
      return ctx.ack(
          Messages.history(
              lifecycle.history(payload.getChannelId(), everything, history.limit()),
              RestartCommand::permalink));
    }
    CompletableFuture<String> answer;
    try {
      answer = executor.supply(() -> submit(payload, command, ctx));
    } catch (RejectedExecutionException e) {
      LOG.warn("/restart refused: the edge's threads and queue are full");
      return ctx.ack(Messages.busy());
    }
    try {
      return ctx.ack(answer.get(settings.ackBudget().toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      answer.thenAccept(text -> respond(ctx, text));
      return ctx.ack(
          ":hourglass_flowing_sand: Checking your request; I'll answer here in a moment.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ctx.ack("Sorry, I was interrupted; please try again.");
    } catch (ExecutionException e) {
      LOG.error("/restart failed", e.getCause());
      return ctx.ack("Sorry, something went wrong on my side; the details are in the bot's logs.");
    }
  }

  /** A {@link Command.Restart} or a {@link Command.RestartSelected}. */
  private String submit(SlashCommandPayload payload, Command command, SlashCommandContext ctx) {
    List<Target> targets = List.of();
    Optional<Selection> selection = Optional.empty();
    Optional<String> reason;
    if (command instanceof Command.RestartSelected selected) {
      selection = Optional.of(selected.selection());
      reason = selected.reason();
    } else {
      Command.Restart restart = (Command.Restart) command;
      targets = restart.targets();
      reason = restart.reason();
    }
    return file(
            payload.getUserId(),
            payload.getChannelId(),
            Conversations.kind(payload.getChannelId(), payload.getChannelName()),
            targets,
            selection,
            reason,
            text -> respond(ctx, text))
        .answer();
  }

  /**
   * What became of a request filed by a command or a modal: its refusal, if any, and the answer for
   * the requester.
   */
  record Filed(Optional<Refusal> refusal, String answer) {}

  /**
   * Files a request exactly as {@code /restart} does (the modal comes this way too): the same
   * checks, and the same approval message, posted in {@code channelId}. Runs on an edge thread;
   * {@code tellLater} answers the requester if the message cannot be posted.
   */
  Filed file(
      String userId,
      String channelId,
      ConversationKind conversation,
      List<Target> targets,
      Optional<String> reason,
      Consumer<String> tellLater) {
    return file(userId, channelId, conversation, targets, Optional.empty(), reason, tellLater);
  }

  /**
   * As {@link #file(String, String, ConversationKind, List, Optional, Consumer)}; with a {@code
   * selection}, the targets are the workloads it matches now and {@code targets} is ignored.
   */
  private Filed file(
      String userId,
      String channelId,
      ConversationKind conversation,
      List<Target> targets,
      Optional<Selection> selection,
      Optional<String> reason,
      Consumer<String> tellLater) {
    // A new request is checked against the cached directory; its approval reads Slack afresh.
    SlackDirectory.RequestTime directory = this.directory.requestTime();
    SlackDirectory.Person person;
    try {
      person = directory.person(userId);
    } catch (SlackDeliveryException e) {
      LOG.warnf("users.info failed for %s: %s", userId, e.error());
      Refusal refusal = new Refusal.WhoUnknown(e.error());
      return new Filed(Optional.of(refusal), Refusals.answer(refusal, RestartCommand::permalink));
    }
    Submission submission =
        new Submission(person.actor(), person.name(), channelId, conversation, targets, reason);
    SubmitResult result =
        selection.isPresent()
            ? lifecycle.submit(submission, selection.get(), directory)
            : lifecycle.submit(submission, directory);
    if (result instanceof SubmitResult.Refused refused) {
      return new Filed(
          Optional.of(refused.refusal()),
          Refusals.answer(refused.refusal(), RestartCommand::permalink));
    }
    SubmitResult.Submitted submitted = (SubmitResult.Submitted) result;
    RestartRequest request = submitted.request();
    Runnable open =
        () ->
            renderer
                .open(request, submitted.snapshots())
                .ifPresent(failure -> tellLater.accept(Messages.notPosted(failure)));
    try {
      executor.run(open);
    } catch (RejectedExecutionException e) {
      // Already on an edge thread: post it from here rather than lose an accepted request.
      open.run();
    }
    return new Filed(Optional.empty(), Messages.submitted(request));
  }

  private static void respond(SlashCommandContext ctx, String text) {
    try {
      ctx.respond(r -> r.responseType("ephemeral").text(text));
    } catch (Exception e) {
      LOG.warnf("could not answer through the response URL: %s", e.getMessage());
    }
  }

  static String permalink(RestartRequest request) {
    return request
        .messageTs()
        .map(ts -> "https://slack.com/archives/" + request.channelId() + "/p" + ts.replace(".", ""))
        .orElse(null);
  }
}
