package dev.restartbot.e2e;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Everything the app sent to the mock API server since the last {@link #reset()}. */
final class KubeRequests {

  private final KubernetesServer server;
  private final List<RecordedRequest> seen = new ArrayList<>();

  KubeRequests(KubernetesServer server) {
    this.server = server;
  }

  /** Forgets what came before, so that a test counts only its own requests. */
  synchronized void reset() throws InterruptedException {
    drain();
    seen.clear();
  }

  synchronized List<RecordedRequest> all() throws InterruptedException {
    drain();
    return List.copyOf(seen);
  }

  /** The PATCH requests for one workload's path that change it (no dry runs), in order. */
  List<RecordedRequest> patches(String kindPlural, String name) throws InterruptedException {
    return patchesOf(kindPlural, name).stream().filter(r -> !isDryRun(r)).toList();
  }

  /** The dry runs of PATCH requests for one workload's path, in order. */
  List<RecordedRequest> dryRuns(String kindPlural, String name) throws InterruptedException {
    return patchesOf(kindPlural, name).stream().filter(KubeRequests::isDryRun).toList();
  }

  /** Every PATCH that changes something (no dry runs). */
  List<RecordedRequest> allPatches() throws InterruptedException {
    return all().stream()
        .filter(r -> "PATCH".equals(r.getMethod()))
        .filter(r -> !isDryRun(r))
        .toList();
  }

  private List<RecordedRequest> patchesOf(String kindPlural, String name)
      throws InterruptedException {
    String path = "/apis/apps/v1/namespaces/test/" + kindPlural + "/" + name;
    return all().stream()
        .filter(r -> "PATCH".equals(r.getMethod()))
        .filter(r -> r.getPath().equals(path) || r.getPath().startsWith(path + "?"))
        .toList();
  }

  static boolean isDryRun(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    return query >= 0 && List.of(path.substring(query + 1).split("&")).contains("dryRun=All");
  }

  private void drain() throws InterruptedException {
    RecordedRequest next;
    while ((next = server.getKubernetesMockServer().takeRequest(1, TimeUnit.MILLISECONDS))
        != null) {
      seen.add(next);
    }
  }
}
