package dev.restartbot.slack;

import com.slack.api.bolt.App;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * The Slack edge in readiness: the Bolt app is up, how it is served (HTTP or Socket Mode, connected
 * or not), and whether Slack's Web API answers. Only the app itself counts for UP; the rest are
 * details, so a Slack outage does not empty the Service.
 *
 * <p>The Web API is asked ({@code auth.test}) in the background, once at start and then every
 * {@code slack.health-refresh-every}; a probe only reads the last answer, so it never waits on
 * Slack or on the client's retries.
 */
@Readiness
@Singleton
public class SlackHealth implements HealthCheck {

  /** The refresh period, which is also when the first scheduled refresh comes after the start. */
  static final String REFRESH_EVERY = "${slack.health-refresh-every:30s}";

  private final App app;
  private final SocketMode socketMode;
  private final SlackClient slack;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile String apiStatus = "not checked yet";

  SlackHealth(App app, SocketMode socketMode, SlackClient slack) {
    this.app = app;
    this.socketMode = socketMode;
    this.slack = slack;
  }

  void refreshAtStart(@Observes StartupEvent event, ManagedExecutor background) {
    background.execute(this::refresh);
  }

  /** Calls {@code auth.test}; skipped while an earlier refresh still waits for its answer. */
  @Scheduled(
      every = REFRESH_EVERY,
      delayed = REFRESH_EVERY,
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    if (!refreshing.compareAndSet(false, true)) {
      return;
    }
    try {
      slack.call("auth.test", m -> m.authTest(r -> r));
      apiStatus = "reachable";
    } catch (SlackDeliveryException e) {
      apiStatus = "unreachable: " + e.error();
    } catch (RuntimeException e) {
      apiStatus = "unreachable: " + e.getMessage();
    } finally {
      refreshing.set(false);
    }
  }

  @Override
  public HealthCheckResponse call() {
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
