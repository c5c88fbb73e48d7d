package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.MockServerRequests;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The roll back of a Deployment as {@code kubectl rollout undo} computes it, against the fabric8
 * mock API server in CRUD mode.
 */
@EnableKubernetesMockClient(crud = true)
class WorkloadsRollbackTest {

  static final Workloads.Attribution WHO = new Workloads.Attribution("r0llb4ck", "U0REQ", "U0LEAD");

  KubernetesClient client;
  KubernetesMockServer server;

  @Test
  void thePreviousRevisionIsTheHighestBelowTheNewestAndItsTemplateComesBackWithoutItsHash() {
    Deployment d = deployment("web", "web:3", Map.of("team", "payments"));
    replicaSet(d, "web-1", 1, "web:1", Map.of());
    replicaSet(d, "web-2", 2, "web:2", Map.of("kubernetes.io/change-cause", "release 2"));
    replicaSet(d, "web-3", 3, "web:3", Map.of());
    // Another Deployment's ReplicaSet, of a higher revision, is none of this one's history.
    replicaSet(deployment("other", "other:9", Map.of()), "other-9", 9, "other:9", Map.of());
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "web");
    Workloads workloads = new Workloads(client, new ObjectMapper());

    assertThat(workloads.checkRollback(target, WHO))
        .isEqualTo(new Workloads.RollbackCheck.Ready(2));
    Outcome outcome = workloads.rollback(target, WHO);

    assertThat(outcome).isInstanceOf(Outcome.Restarted.class);
    Deployment after = client.apps().deployments().inNamespace("test").withName("web").get();
    var template = after.getSpec().getTemplate();
    assertThat(template.getSpec().getContainers().get(0).getImage()).isEqualTo("web:2");
    assertThat(template.getMetadata().getLabels())
        .containsEntry("app", "web")
        .doesNotContainKey("pod-template-hash");
    assertThat(template.getMetadata().getAnnotations())
        .containsEntry(Workloads.REQUEST, "r0llb4ck")
        .containsEntry(Workloads.REQUESTED_BY, "U0REQ")
        .containsEntry(Workloads.APPROVED_BY, "U0LEAD")
        .doesNotContainKey(Workloads.RESTARTED_AT);
    // kubectl's annotations: the revision's own, and of the Deployment's only those it skips.
    assertThat(after.getMetadata().getAnnotations())
        .containsEntry("kubernetes.io/change-cause", "release 2")
        .containsEntry("deployment.kubernetes.io/revision", "3")
        .doesNotContainKey("team");
  }

  @Test
  void aDeploymentWithOneRevisionHasNothingToRollBackTo() {
    Deployment d = deployment("solo", "solo:1", Map.of());
    replicaSet(d, "solo-1", 1, "solo:1", Map.of());
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "solo");
    Workloads workloads = new Workloads(client, new ObjectMapper());

    assertThat(workloads.checkRollback(target, WHO))
        .isEqualTo(new Workloads.RollbackCheck.NoPreviousRevision());
    assertThat(workloads.rollback(target, WHO)).isInstanceOf(Outcome.Error.class);
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("test")
                .withName("solo")
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations())
        .isNullOrEmpty();
  }

  @Test
  void aRollBackReadsTheDeploymentOnceAndItsReplicaSetsOnceThenPatches() {
    Deployment d = deployment("api", "api:2", Map.of());
    replicaSet(d, "api-1", 1, "api:1", Map.of());
    replicaSet(d, "api-2", 2, "api:2", Map.of());
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "api");
    Workloads workloads = new Workloads(client, new ObjectMapper());
    MockServerRequests.drain(server); // the set-up's requests

    assertThat(workloads.rollback(target, WHO)).isInstanceOf(Outcome.Restarted.class);

    assertThat(MockServerRequests.drain(server))
        .extracting(r -> r.getMethod() + " " + r.getPath().replaceAll("\\?.*$", ""))
        .containsExactly(
            "GET /apis/apps/v1/namespaces/test/deployments/api",
            "GET /apis/apps/v1/namespaces/test/replicasets",
            "PATCH /apis/apps/v1/namespaces/test/deployments/api");
  }

  private Deployment deployment(String name, String image, Map<String, String> annotations) {
    Map<String, String> all = new java.util.HashMap<>(annotations);
    all.put("deployment.kubernetes.io/revision", "3");
    return client
        .apps()
        .deployments()
        .inNamespace("test")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("test")
                .withAnnotations(all)
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  private void replicaSet(
      Deployment owner, String name, int revision, String image, Map<String, String> extra) {
    Map<String, String> annotations = new java.util.HashMap<>(extra);
    annotations.put("deployment.kubernetes.io/revision", Integer.toString(revision));
    annotations.put("deployment.kubernetes.io/desired-replicas", "2");
    client
        .apps()
        .replicaSets()
        .inNamespace("test")
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("test")
                .withAnnotations(annotations)
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .addToMatchLabels("pod-template-hash", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", owner.getMetadata().getName())
                .addToLabels("pod-template-hash", name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }
}
