package dev.restartbot.e2e;

import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSocketModeServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/** The app served over Socket Mode: an app token set, the fake Socket Mode server up first. */
public class SocketModeProfile implements QuarkusTestProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of("slack.app-token", "xapp-1-test");
  }

  @Override
  public List<TestResourceEntry> testResources() {
    return List.of(new TestResourceEntry(SocketServer.class));
  }

  /** Starts the fake server before the app, which connects at start. */
  public static class SocketServer implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
      FakeSlackApi.get().setSocketModeUrl(FakeSocketModeServer.get().url());
      return Map.of();
    }

    @Override
    public void stop() {}
  }
}
