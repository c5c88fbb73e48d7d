package dev.restartbot.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The requests fabric8's mock API server has received and not yet handed out. */
public final class MockServerRequests {

  private MockServerRequests() {}

  /** Takes every request {@code server} holds now, in the order they came. */
  public static List<RecordedRequest> drain(KubernetesMockServer server) {
    List<RecordedRequest> all = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS);
          r != null;
          r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        all.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return all;
  }
}
