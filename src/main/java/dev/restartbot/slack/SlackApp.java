package dev.restartbot.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.middleware.Middleware;
import com.slack.api.bolt.middleware.builtin.RequestVerification;
import com.slack.api.model.event.AppHomeOpenedEvent;
import com.slack.api.model.event.SubteamMembersChangedEvent;
import com.slack.api.model.event.UserChangeEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Builds the one Bolt app and the Slack client it shares with the rest of the edge, from Quarkus
 * config only (Bolt's own defaults would read the environment behind our back).
 */
@ApplicationScoped
public class SlackApp {

  /** How long Slack waits for the answer to a slash command. */
  static final Duration SLACK_ACK_LIMIT = Duration.ofSeconds(3);

  static final String COMMAND = "/restart";
  public static final String APPROVE = "restart_approve";
  public static final String DENY = "restart_deny";
  public static final String ROLLBACK = "restart_rollback";
  public static final String ABORT = "restart_abort";

  private static final Logger LOG = Logger.getLogger(SlackApp.class);

  @Produces
  @Singleton
  Slack slack(SlackSettings settings) {
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(settings.apiUrl());
    // Stats would call auth.test per token in the background; the app does it once at start.
    config.setStatsEnabled(false);
    config.setPrettyResponseLoggingEnabled(false);
    return Slack.getInstance(config);
  }

  @Produces
  @Singleton
  App app(
      Slack slack,
      SlackSettings settings,
      SignatureVerification verification,
      RestartCommand command,
      ApprovalActions actions,
      RestartModal modal,
      HomeTab home,
      SlackDirectory directory) {
    String token = required(settings.botToken(), "SLACK_BOT_TOKEN", "the bot token (xoxb-…)");
    String secret = null;
    if (!socketMode(settings)) {
      // Over Socket Mode /slack/events answers 404, so the secret is not needed there.
      secret =
          required(
              settings.signingSecret(),
              "SLACK_SIGNING_SECRET",
              "the app's signing secret to verify requests over HTTP (or SLACK_APP_TOKEN, to"
                  + " serve over Socket Mode)");
      checkSigningSecret(secret);
      secret = secret.trim();
    }
    checkAckBudget(settings.ackBudget());
    AppConfig config =
        AppConfig.builder()
            .slack(slack)
            .singleTeamBotToken(token)
            .signingSecret(secret)
            .verificationToken(null)
            .build();
    App app =
        new App(config) {
          @Override
          protected List<Middleware> buildDefaultMiddlewareList(AppConfig appConfig) {
            List<Middleware> chain = super.buildDefaultMiddlewareList(appConfig);
            // Ours takes Bolt's place, so that nothing runs on an unverified request.
            chain.replaceAll(m -> m instanceof RequestVerification ? verification : m);
            return chain;
          }
        };
    // Nothing after the command opens the modal; everything else, help included, is text.
    app.command(
        COMMAND,
        (req, ctx) ->
            req.getPayload().getText() == null || req.getPayload().getText().isBlank()
                ? modal.openFromCommand(req, ctx)
                : command.apply(req, ctx));
    app.globalShortcut(RestartModal.SHORTCUT, modal::openFromShortcut);
    app.blockSuggestion(ModalView.TARGETS, modal::suggest);
    app.viewSubmission(ModalView.CALLBACK, modal::submit);
    app.event(AppHomeOpenedEvent.class, home::opened);
    // What the request-time cache keeps of a group or a person is read again once Slack says it
    // changed.
    app.event(
        SubteamMembersChangedEvent.class,
        (req, ctx) -> {
          if (req.getEvent().getSubteamId() != null) {
            directory.membersChanged(req.getEvent().getSubteamId());
          }
          return ctx.ack();
        });
    app.event(
        UserChangeEvent.class,
        (req, ctx) -> {
          if (req.getEvent().getUser() != null && req.getEvent().getUser().getId() != null) {
            directory.userChanged(req.getEvent().getUser().getId());
          }
          return ctx.ack();
        });
    app.blockAction(APPROVE, actions::approve);
    app.blockAction(DENY, actions::deny);
    app.blockAction(ROLLBACK, actions::rollback);
    app.blockAction(ABORT, actions::abort);
    return app;
  }

  /** Starts the app at boot, so a bad token stops the bot now instead of failing every request. */
  void onStart(
      @Observes StartupEvent event,
      App app,
      SlackSettings settings,
      SocketMode socketMode,
      Installation installation) {
    try {
      app.start();
      installation.learn();
    } catch (IllegalArgumentException | SlackDeliveryException e) {
      // No cause attached: Quarkus prints a ConfigurationException's message alone, no trace.
      throw new ConfigurationException(
          "Could not verify SLACK_BOT_TOKEN with Slack (auth.test) at start: "
              + e.getMessage()
              + ". Check the token and SLACK_API_URL.");
    }
    LOG.info("Slack app started");
    if (socketMode(settings)) {
      socketMode.start(app, settings.appToken().get().trim());
    }
  }

  /** Served over Socket Mode: an app-level token is set. */
  static boolean socketMode(SlackSettings settings) {
    return settings.appToken().filter(t -> !t.isBlank()).isPresent();
  }

  /**
   * Slack gives up on an answer after three seconds: a budget that long would answer too late, and
   * the requester would see an error while the command goes on.
   */
  static void checkAckBudget(Duration budget) {
    if (budget.isNegative() || budget.isZero() || budget.compareTo(SLACK_ACK_LIMIT) >= 0) {
      throw new ConfigurationException(
          ("slack.ack-budget (SLACK_ACK_BUDGET) is %s, but Slack waits at most 3 seconds for the"
                  + " answer to a command: set it above 0 and below 3s, for example 2s.")
              .formatted(budget));
    }
  }

  /**
   * Slack issues signing secrets as 32 lower-case hex characters; anything else is a placeholder
   * (such as the example Secret's {@code REPLACE-ME}) or a copy of the wrong credential, and would
   * let anyone who guesses it forge commands and clicks. The message never repeats the value.
   */
  static void checkSigningSecret(String secret) {
    if (!secret.trim().matches("[0-9a-f]{32}")) {
      throw new ConfigurationException(
          ("slack.signing-secret (SLACK_SIGNING_SECRET) is not a Slack signing secret: Slack"
                  + " issues 32 lower-case hex characters (Basic Information → App Credentials →"
                  + " Signing Secret), and the value set is not (%d characters, or some other than"
                  + " 0-9 and a-f): it looks like a placeholder. Set the app's real signing secret,"
                  + " or serve over Socket Mode (SLACK_APP_TOKEN), which does not need one.")
              .formatted(secret.trim().length()));
    }
  }

  private static String required(
      java.util.Optional<String> value, String variable, String meaning) {
    return value
        .filter(v -> !v.isBlank())
        .orElseThrow(
            () ->
                new ConfigurationException(
                    variable
                        + " is not set: restart-bot needs "
                        + meaning
                        + ". Set "
                        + variable
                        + " in the environment or in .env (see .env.example)."));
  }
}
