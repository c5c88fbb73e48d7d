package dev.restartbot.slack;

import com.slack.api.methods.response.auth.AuthTestResponse;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.inject.Singleton;
import java.util.Objects;

/**
 * The workspace and the Slack app the bot token belongs to, learnt from {@code auth.test} at start
 * (and {@code bots.info} when {@code auth.test} does not name the app). A click is only taken from
 * that workspace and that app: a payload signed for another app of the same owner, or replayed from
 * another workspace, changes nothing.
 */
@Singleton
public class Installation {

  private final SlackClient slack;
  private volatile String teamId;
  private volatile String appId;

  Installation(SlackClient slack) {
    this.slack = slack;
  }

  /** Asks Slack once, at start; a token whose team or app cannot be learnt stops the start. */
  void learn() {
    AuthTestResponse self = slack.call("auth.test", m -> m.authTest(r -> r));
    String app = self.getAppId();
    if ((app == null || app.isBlank()) && self.getBotId() != null) {
      app =
          slack.call("bots.info", m -> m.botsInfo(r -> r.bot(self.getBotId()))).getBot().getAppId();
    }
    if (self.getTeamId() == null || app == null || app.isBlank()) {
      throw new ConfigurationException(
          "Slack did not say which workspace and app SLACK_BOT_TOKEN belongs to (auth.test,"
              + " bots.info): use a bot token (xoxb-…) of the app installed in one workspace.");
    }
    teamId = self.getTeamId();
    appId = app;
  }

  /** Whether a click's {@code team.id} and {@code api_app_id} are this installation's. */
  public boolean isOurs(String clickTeamId, String clickAppId) {
    String team = teamId;
    String app = appId;
    return team != null
        && app != null
        && Objects.equals(team, clickTeamId)
        && Objects.equals(app, clickAppId);
  }
}
