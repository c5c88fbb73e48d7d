package dev.restartbot.slack;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The Slack edge's settings. Keys under {@code slack.*}, so the environment variables are {@code
 * SLACK_BOT_TOKEN}, {@code SLACK_SIGNING_SECRET}, {@code SLACK_APP_TOKEN} and {@code
 * SLACK_API_URL}.
 */
@ConfigMapping(prefix = "slack")
public interface SlackSettings {

  /** The bot token, {@code xoxb-…}. */
  Optional<String> botToken();

  /** The signing secret that every HTTP request is verified with. */
  Optional<String> signingSecret();

  /** The app-level token, {@code xapp-…}; when set, the app is served over Socket Mode. */
  Optional<String> appToken();

  /** The Web API base; tests and proxies point it elsewhere. Must end in {@code /api/}. */
  @WithDefault("https://slack.com/api/")
  String apiUrl();

  /** How long user-group members and user profiles are cached. */
  @WithDefault("5m")
  Duration directoryTtl();

  /**
   * App-wide budget of {@code chat.update} calls, every one of the bot's updates (progress,
   * results, states, expiries) shared (Slack allows about 50 a minute). The key keeps its first
   * name, from when only progress went through the budget.
   */
  @WithDefault("50")
  int progressUpdatesPerMinute();

  /** The least time between two progress updates of one message. */
  @WithDefault("1s")
  Duration progressInterval();

  /** How long the slash command waits for its checks before it answers "working on it". */
  @WithDefault("2s")
  Duration ackBudget();

  /**
   * How many commands and clicks one user may send: a burst, then one more every so often. Checked
   * before any Slack or Kubernetes API call.
   */
  UserLimit userLimit();

  /** A token bucket per user id: {@code burst} at once, refilled by one every {@code every}. */
  interface UserLimit {

    @WithDefault("10")
    int burst();

    @WithDefault("1s")
    Duration every();
  }
}
