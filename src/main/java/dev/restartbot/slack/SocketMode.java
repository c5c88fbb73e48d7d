package dev.restartbot.slack;

import com.slack.api.bolt.App;
import com.slack.api.bolt.socket_mode.SocketModeApp;
import com.slack.api.socket_mode.SocketModeClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Serves the same Bolt app over Socket Mode when {@code SLACK_APP_TOKEN} is set: no inbound URL is
 * needed. Bolt's client reconnects on its own; this bean only starts it, stops it, and knows
 * whether the socket is up (for health).
 */
@Singleton
public class SocketMode {

  private static final Logger LOG = Logger.getLogger(SocketMode.class);

  private final AtomicBoolean connected = new AtomicBoolean();
  private volatile SocketModeApp socketApp;

  /** Called by {@link SlackApp} once the app has started. */
  void start(App app, String appToken) {
    if (!appToken.startsWith("xapp-")) {
      throw new ConfigurationException(
          "SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write.");
    }
    try {
      SocketModeApp started =
          new SocketModeApp(appToken, SocketModeClient.Backend.JavaWebSocket, app);
      started.startAsync();
      SocketModeClient client = started.getClient();
      client.addWebSocketMessageListener(message -> connected.set(true));
      client.addWebSocketCloseListener((code, reason) -> connected.set(false));
      client.addWebSocketErrorListener(error -> connected.set(false));
      socketApp = started;
      connected.set(true);
      LOG.info("Slack Socket Mode connected");
    } catch (Exception e) {
      // No cause: Quarkus prints a ConfigurationException's message alone.
      throw new ConfigurationException(
          "Could not open a Socket Mode connection with SLACK_APP_TOKEN: "
              + e.getMessage()
              + ". Check the token (xapp-…, connections:write) and SLACK_API_URL.");
    }
  }

  public boolean enabled() {
    return socketApp != null;
  }

  public boolean connected() {
    return enabled() && connected.get();
  }

  void stop(@Observes ShutdownEvent event) {
    SocketModeApp running = socketApp;
    if (running != null) {
      try {
        running.close();
      } catch (Exception e) {
        LOG.debugf("closing Socket Mode: %s", e.getMessage());
      }
    }
  }
}
