package dev.restartbot.slack;

import com.slack.api.app_backend.slash_commands.payload.SlashCommandPayload;
import com.slack.api.bolt.context.builtin.SlashCommandContext;
import com.slack.api.bolt.handler.builtin.SlashCommandHandler;
import com.slack.api.bolt.request.builtin.SlashCommandRequest;
import com.slack.api.bolt.response.Response;
import dev.restartbot.audit.AuditConfig;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.Submission;
import dev.restartbot.restart.SubmitResult;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.context.ManagedExecutor;
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
  private final RequestThread thread;
  private final ManagedExecutor executor;
  private final SlackSettings settings;
  private final Optional<String> auditChannel;

  RestartCommand(
      PolicyConfig policy,
      RequestLifecycle lifecycle,
      SlackDirectory directory,
      RequestThread thread,
      ManagedExecutor executor,
      SlackSettings settings,
      AuditConfig audit) {
    this.parser = new CommandParser(policy.defaultNamespace(), policy.maxTargets());
    this.lifecycle = lifecycle;
    this.directory = directory;
    this.thread = thread;
    this.executor = executor;
    this.settings = settings;
    this.auditChannel = audit.auditChannel();
  }

  @Override
  public Response apply(SlashCommandRequest req, SlashCommandContext ctx) {
    SlashCommandPayload payload = req.getPayload();
    Command command = parser.parse(payload.getText());
    if (command instanceof Command.Invalid invalid) {
      return ctx.ack(invalid.problem() + "\n\n" + CommandParser.usage(payload.getCommand()));
    }
    if (command instanceof Command.Help) {
      return ctx.ack(CommandParser.usage(payload.getCommand()));
    }
    if (command instanceof Command.History history) {
      boolean everything = auditChannel.map(payload.getChannelId()::equals).orElse(false);
      return ctx.ack(
          Messages.history(
              lifecycle.history(payload.getChannelId(), everything, history.limit()),
              RestartCommand::permalink));
    }
    Command.Restart restart = (Command.Restart) command;
    CompletableFuture<String> answer = executor.supplyAsync(() -> submit(payload, restart, ctx));
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

  private String submit(
      SlashCommandPayload payload, Command.Restart restart, SlashCommandContext ctx) {
    SlackDirectory.Person person;
    try {
      person = directory.person(payload.getUserId());
    } catch (SlackDeliveryException e) {
      LOG.warnf("users.info failed for %s: %s", payload.getUserId(), e.error());
      return "I could not look up your Slack profile just now ("
          + e.error()
          + "); please try again.";
    }
    SubmitResult result =
        lifecycle.submit(
            new Submission(
                person.actor(),
                person.name(),
                payload.getChannelId(),
                restart.targets(),
                restart.reason()),
            directory);
    if (result instanceof SubmitResult.Refused refused) {
      return ":no_entry: " + refused.reason();
    }
    if (result instanceof SubmitResult.Busy busy) {
      RestartRequest existing = busy.existing();
      String link = permalink(existing);
      return ":no_entry: "
          + Messages.targetList(existing.targets())
          + " already "
          + (existing.targets().size() == 1 ? "has" : "have")
          + " a "
          + existing.state().label()
          + " request"
          + (link == null
              ? " (`" + existing.id() + "`)"
              : ": <" + link + "|request " + existing.id() + ">")
          + ". Wait for it to finish, or withdraw it with its Deny button.";
    }
    SubmitResult.Submitted submitted = (SubmitResult.Submitted) result;
    RestartRequest request = submitted.request();
    executor.runAsync(
        () ->
            thread
                .open(request, submitted.snapshots())
                .ifPresent(
                    failure ->
                        respond(
                            ctx,
                            failure.notInChannel()
                                ? ":warning: I can't post in this channel. Invite me with `/invite @restart-bot` and ask again."
                                : ":warning: Slack refused the approval message ("
                                    + failure.error()
                                    + "); the request was dropped. Please try again.")));
    return request.approvalRequired()
        ? ":white_check_mark: Request `"
            + request.id()
            + "` submitted: "
            + Messages.targetList(request.targets())
            + ". Someone else who may approve it has to click Approve."
        : ":white_check_mark: Request `"
            + request.id()
            + "` needs no approval; restarting "
            + Messages.targetList(request.targets())
            + " now.";
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
