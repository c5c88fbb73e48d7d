package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.MockServerRequests;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a restart sends the API server, request by request, against the fabric8 mock in CRUD mode
 * (which answers a strategic merge patch 415, so the same body follows as a JSON merge patch): one
 * read, then the patch, as {@code kubectl rollout restart} sends them, and nothing in between.
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadsRequestsTest {

  static final Workloads.Attribution WHO = new Workloads.Attribution("req1", "U0REQ", "U0LEAD");

  KubernetesClient client;
  KubernetesMockServer server;

  @BeforeEach
  void seed() {
    client
        .apps()
        .deployments()
        .inNamespace("test")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace("test")
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .endSpec()
                .build())
        .create();
    client
        .apps()
        .statefulSets()
        .inNamespace("test")
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace("test")
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .endSpec()
                .build())
        .create();
    drain();
  }

  @Test
  void aDeploymentIsReadOnceThenPatchedWithoutAnotherRead() {
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "web");
    Workloads workloads = new Workloads(client, new ObjectMapper());

    Outcome outcome = workloads.restart(target, "2026-12-01T10:00:00Z", WHO);

    assertThat(outcome).isInstanceOf(Outcome.Restarted.class);
    List<RecordedRequest> sent = drain();
    assertThat(sent)
        .extracting(WorkloadsRequestsTest::line)
        .containsExactly(
            "GET /apis/apps/v1/namespaces/test/deployments/web",
            "PATCH /apis/apps/v1/namespaces/test/deployments/web?fieldManager=restart-bot"
                + " application/strategic-merge-patch+json",
            "PATCH /apis/apps/v1/namespaces/test/deployments/web?fieldManager=restart-bot"
                + " application/merge-patch+json");
    // The mock has read the bodies; what they did is in the stored Deployment.
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("test")
                .withName("web")
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations())
        .containsEntry(Workloads.RESTARTED_AT, "2026-12-01T10:00:00Z")
        .containsEntry(Workloads.REQUEST, "req1");
  }

  @Test
  void aStatefulSetIsReadOnceThenPatchedWithoutAnotherRead() {
    Target target = new Target(WorkloadKind.STATEFULSET, "test", "db");
    Workloads workloads = new Workloads(client, new ObjectMapper());

    assertThat(workloads.restart(target, "2026-12-01T10:00:00Z", WHO))
        .isInstanceOf(Outcome.Restarted.class);

    assertThat(drain()).extracting(r -> r.getMethod()).containsExactly("GET", "PATCH", "PATCH");
  }

  @Test
  void thePatchIsMadeOnAStandInThatNamesTheWorkloadAlone() {
    // fabric8 copies the object a patch is made on, all of it, and takes only its name and
    // namespace; the object read is not what it is given.
    Deployment read = client.apps().deployments().inNamespace("test").withName("web").get();
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "web");

    HasMetadata standIn = Workloads.standIn(client, target).item();

    assertThat(standIn).isInstanceOf(Deployment.class).isNotSameAs(read);
    assertThat(((Deployment) standIn).getSpec()).isNull();
    assertThat(standIn.getMetadata().getName()).isEqualTo("web");
    assertThat(standIn.getMetadata().getNamespace()).isEqualTo("test");
  }

  @Test
  void aRolloutsStandInKeepsItsKind() {
    Target target = new Target(WorkloadKind.ROLLOUT, "test", "canary");

    HasMetadata standIn = Workloads.standIn(client, target).item();

    assertThat(standIn.getApiVersion()).isEqualTo("argoproj.io/v1alpha1");
    assertThat(standIn.getKind()).isEqualTo("Rollout");
    assertThat(standIn.getMetadata().getName()).isEqualTo("canary");
    assertThat(((GenericKubernetesResource) standIn).getAdditionalProperties()).isEmpty();
  }

  @Test
  void aDryRunSendsItsPatchesAndReadsNothing() {
    // The command has just read the workload; the dry run is the patch alone, as kubectl's.
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "web");
    Workloads workloads = new Workloads(client, new ObjectMapper());

    assertThat(workloads.dryRun(target, "2026-12-01T10:00:00Z", WHO))
        .isEqualTo(new Workloads.DryRun.Accepted());

    assertThat(drain())
        .extracting(r -> r.getMethod() + " " + r.getPath().replaceAll("\\?.*$", ""))
        .containsExactly(
            "PATCH /apis/apps/v1/namespaces/test/deployments/web",
            "PATCH /apis/apps/v1/namespaces/test/deployments/web");
  }

  private static String line(RecordedRequest r) {
    String type = r.getHeader("Content-Type");
    return r.getMethod()
        + " "
        + r.getPath()
        + (r.getMethod().equals("PATCH") && type != null ? " " + type.replaceAll(";.*$", "") : "");
  }

  private List<RecordedRequest> drain() {
    return MockServerRequests.drain(server);
  }
}
