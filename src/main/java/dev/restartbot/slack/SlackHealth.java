package dev.restartbot.slack;

import com.slack.api.bolt.App;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * The Slack edge in readiness: the Bolt app is up, how it is served (HTTP or Socket Mode, connected
 * or not), and whether Slack's Web API answers. Only the app itself counts for UP; the rest are
 * details, so a Slack outage does not empty the Service.
 */
@Readiness
@Singleton
public class SlackHealth implements HealthCheck {

  private static final Duration CACHE = Duration.ofSeconds(30);

  private final App app;
  private final SocketMode socketMode;
  private final SlackClient slack;
  private final Clock clock;
  private volatile String apiStatus = "not checked yet";
  private volatile Instant checkedAt = Instant.EPOCH;

  SlackHealth(App app, SocketMode socketMode, SlackClient slack, Clock clock) {
    this.app = app;
    this.socketMode = socketMode;
    this.slack = slack;
    this.clock = clock;
  }

  @Override
  public HealthCheckResponse call() {
    Instant now = clock.instant();
    if (now.isAfter(checkedAt.plus(CACHE))) {
      checkedAt = now;
      try {
        slack.call("auth.test", m -> m.authTest(r -> r));
        apiStatus = "reachable";
      } catch (SlackDeliveryException e) {
        apiStatus = "unreachable: " + e.error();
      }
    }
    return HealthCheckResponse.named("slack")
        .status(app.status() == App.Status.Running)
        .withData("mode", socketMode.enabled() ? "socket-mode" : "http")
        .withData(
            "socket",
            socketMode.enabled() ? (socketMode.connected() ? "connected" : "disconnected") : "n/a")
        .withData("web-api", apiStatus)
        .build();
  }
}
