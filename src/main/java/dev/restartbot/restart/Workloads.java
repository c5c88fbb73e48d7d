package dev.restartbot.restart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.restartbot.cluster.Clusters;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.WritableOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Reads and restarts workloads through the Kubernetes API, exactly as {@code kubectl rollout
 * restart} does: one patch of the pod template's {@code restartedAt} annotation, beside which the
 * request, its requester and its approver are recorded by id (DESIGN.md §2).
 */
@ApplicationScoped
public class Workloads {

  public static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  public static final String REQUEST = "restart-bot/request";
  public static final String REQUESTED_BY = "restart-bot/requested-by";
  public static final String APPROVED_BY = "restart-bot/approved-by";
  public static final String FIELD_MANAGER = "restart-bot";

  private static final int UNSUPPORTED_MEDIA_TYPE = 415;
  private static final Logger LOG = Logger.getLogger(Workloads.class);

  private final Clusters clusters;
  private final ObjectMapper json;
  private final ArgoRollouts argo = new ArgoRollouts(Clock.systemUTC());

  /**
   * Who a restart is for, by id, as the pod template of the revision it creates records it. Ids,
   * not display names: people choose their names, and names change.
   *
   * @param approvedBy the approver's Slack user id, or {@code policy} when no approval was needed
   */
  public record Attribution(String requestId, String requestedBy, String approvedBy) {
    public Attribution {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(requestedBy, "requestedBy");
      Objects.requireNonNull(approvedBy, "approvedBy");
    }

    /**
     * The attribution of a request that runs: it was decided, by a person or by the policy.
     *
     * @throws IllegalStateException for a request nobody decided: nothing restarts without one
     */
    public static Attribution of(RestartRequest request) {
      Decider decider =
          request
              .decidedBy()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "request " + request.id() + " has no decision to attribute"));
      // With several approvers, each of them, in the order they approved.
      String approvedBy =
          request.approvals().size() > 1
              ? String.join(",", request.approvals().stream().map(a -> a.by().id()).toList())
              : decider.id();
      return new Attribution(request.id(), request.requesterId(), approvedBy);
    }
  }

  @Inject
  public Workloads(Clusters clusters, ObjectMapper json) {
    this.clusters = clusters;
    this.json = json;
  }

  /** Workloads of one cluster, {@value Clusters#DEFAULT}. */
  public Workloads(KubernetesClient client, ObjectMapper json) {
    this(client == null ? null : Clusters.single(client), json);
  }

  /**
   * Reads a target for the approval message, with the risks of restarting it now (its namespace's
   * quotas are read when the rollout adds pods), or says why it cannot.
   */
  public Inspection inspect(Target target) {
    return inspect(target, true);
  }

  /**
   * Reads a target again when the approval that would start it arrives: its generation, to hold
   * against the one the request kept. Its quotas are not read again.
   */
  public Inspection reread(Target target) {
    return inspect(target, false);
  }

  private Inspection inspect(Target target, boolean withRisks) {
    if (!clusters.has(target.cluster())) {
      // A stored request for a cluster that a later configuration no longer names.
      return new Inspection.Unreachable("no cluster named " + target.cluster() + " is configured");
    }
    try {
      if (target.kind() == WorkloadKind.ROLLOUT
          && !argo.served(target.cluster(), clusters.client(target.cluster()))) {
        return new Inspection.NotServed();
      }
      HasMetadata workload = read(resource(clusters.client(target.cluster()), target));
      if (workload == null) {
        return new Inspection.Missing();
      }
      RiskAssessment.Shape shape = WorkloadShapes.shape(target, workload);
      List<Risk> risks =
          withRisks
              ? RiskAssessment.of(
                  shape,
                  RiskAssessment.surgePods(shape).orElse(0) > 0
                      ? quotas(target)
                      : new RiskAssessment.Quotas.Read(List.of()))
              : List.of();
      return new Inspection.Found(snapshot(target, workload, risks));
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return new Inspection.Missing();
      }
      if (!answered(e)) {
        return new Inspection.Unreachable(apiMessage(e));
      }
      return new Inspection.Unreadable(apiMessage(e));
    }
  }

  /** What listing the workloads of a {@link Selection} found. */
  public sealed interface Listing {
    /** The matching workloads, sorted by kind (in {@link WorkloadKind} order) then name. */
    record Listed(List<Target> targets) implements Listing {
      public Listed {
        targets = List.copyOf(targets);
      }
    }

    /** The API server answered, but would not list {@code kind} (RBAC, most often). */
    record Unreadable(WorkloadKind kind, String message) implements Listing {}

    /** The cluster did not answer. */
    record Unreachable(String message) implements Listing {}
  }

  /**
   * Lists the workloads of each kind of {@code selection} whose labels match its selector, with the
   * selector's canonical form as the API server's {@code labelSelector}: the server selects,
   * exactly as {@code kubectl get -l} would.
   */
  public Listing select(Selection selection) {
    if (!clusters.has(selection.cluster())) {
      return new Listing.Unreachable("no cluster named " + selection.cluster() + " is configured");
    }
    KubernetesClient client = clusters.client(selection.cluster());
    ListOptions options =
        new ListOptionsBuilder().withLabelSelector(selection.selector().toString()).build();
    List<Target> targets = new ArrayList<>();
    for (WorkloadKind kind : EnumSet.copyOf(selection.kinds())) {
      List<? extends HasMetadata> items;
      try {
        items = list(client, kind, selection.namespace(), options);
      } catch (KubernetesClientException e) {
        if (!answered(e)) {
          return new Listing.Unreachable(apiMessage(e));
        }
        return new Listing.Unreadable(kind, apiMessage(e));
      }
      items.stream()
          .map(w -> w.getMetadata().getName())
          .sorted()
          .distinct()
          .forEach(
              name ->
                  targets.add(new Target(selection.cluster(), kind, selection.namespace(), name)));
    }
    return new Listing.Listed(targets);
  }

  private static List<? extends HasMetadata> list(
      KubernetesClient client, WorkloadKind kind, String namespace, ListOptions options) {
    return switch (kind) {
      case DEPLOYMENT ->
          client.apps().deployments().inNamespace(namespace).list(options).getItems();
      case STATEFULSET ->
          client.apps().statefulSets().inNamespace(namespace).list(options).getItems();
      case DAEMONSET -> client.apps().daemonSets().inNamespace(namespace).list(options).getItems();
      case ROLLOUT ->
          client
              .genericKubernetesResources(ArgoRollouts.CONTEXT)
              .inNamespace(namespace)
              .list(options)
              .getItems();
    };
  }

  /** The namespace's ResourceQuotas; a failure to read them is kept, never thrown. */
  private RiskAssessment.Quotas quotas(Target target) {
    String namespace = target.namespace();
    try {
      return new RiskAssessment.Quotas.Read(
          client(target).resourceQuotas().inNamespace(namespace).list().getItems().stream()
              .map(WorkloadShapes::quota)
              .toList());
    } catch (KubernetesClientException e) {
      LOG.infof("could not read the quotas of namespace %s: %s", namespace, apiMessage(e));
      return new RiskAssessment.Quotas.Unreadable(apiMessage(e));
    }
  }

  /** What the API server said to a dry run of a restart patch. */
  public sealed interface DryRun {
    record Accepted() implements DryRun {}

    /** It would refuse the patch (RBAC, an admission webhook, an invalid object). */
    record Refused(int code, String apiMessage) implements DryRun {}
  }

  /**
   * Sends the exact restart patch (body, content type, field manager) with {@code dryRun=All}: the
   * API server runs authorisation, admission and validation and stores nothing.
   */
  public DryRun dryRun(Target target, String restartedAt, Attribution attribution) {
    String body = patchBody(target, restartedAt, attribution);
    try {
      // On a stand-in: fabric8 would otherwise read the workload before each patch.
      patch(target, standIn(client(target), target).dryRun(), body);
      return new DryRun.Accepted();
    } catch (KubernetesClientException e) {
      return new DryRun.Refused(e.getCode(), apiMessage(e));
    }
  }

  /**
   * Patches one target. The same {@code restartedAt} may be sent again harmlessly; a new value is a
   * new restart, so callers never retry with a fresh timestamp.
   */
  public Outcome restart(Target target, String restartedAt, Attribution attribution) {
    if (!clusters.has(target.cluster())) {
      // A stored request for a cluster that a later configuration no longer names.
      return new Outcome.Error("no cluster named " + target.cluster() + " is configured");
    }
    Resource<? extends HasMetadata> resource = resource(clusters.client(target.cluster()), target);
    try {
      HasMetadata workload = read(resource);
      if (workload == null) {
        return new Outcome.NotFound();
      }
      if (workload instanceof Deployment d && Boolean.TRUE.equals(d.getSpec().getPaused())) {
        return new Outcome.Paused();
      }
      String body = patchBody(target, restartedAt, attribution);
      KubernetesClient client = clusters.client(target.cluster());
      HasMetadata patched;
      try {
        // On a stand-in: fabric8 would otherwise read the object again before each patch.
        patched = patch(target, standIn(client, target), body);
      } catch (KubernetesClientException e) {
        if (answered(e)) {
          throw e;
        }
        // No answer at all (a timeout, a dropped connection): the patch may or may not have been
        // applied. The workload says which; if it was not, the same patch goes again, and since it
        // carries the same restartedAt it cannot restart anything twice.
        LOG.warnf(
            "no answer to the restart patch of %s (%s); reading it back", target, apiMessage(e));
        try {
          HasMetadata now = read(resource);
          if (now == null) {
            return new Outcome.NotFound();
          }
          patched =
              restartedAt.equals(restartedAtOf(now))
                  ? now
                  : patch(target, standIn(client, target), body);
        } catch (KubernetesClientException again) {
          if (answered(again)) {
            throw again;
          }
          return new Outcome.Error(
              apiMessage(e)
                  + "; whether the restart was applied is unknown (kubectl rollout history"
                  + " shows it)");
        }
      }
      HasMetadata after = patched == null ? workload : patched;
      Long generation = after.getMetadata().getGeneration();
      return new Outcome.Restarted(
          restartedAt, generation == null ? 0 : generation, after.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      return switch (e.getCode()) {
        case HttpURLConnection.HTTP_NOT_FOUND -> new Outcome.NotFound();
        case HttpURLConnection.HTTP_FORBIDDEN -> new Outcome.Forbidden(apiMessage(e));
        default -> new Outcome.Error(apiMessage(e));
      };
    }
  }

  /** The annotation the Deployment controller numbers each ReplicaSet's revision with. */
  static final String REVISION = "deployment.kubernetes.io/revision";

  /** The label the Deployment controller adds to a ReplicaSet's pod template. */
  static final String POD_TEMPLATE_HASH = "pod-template-hash";

  /**
   * The Deployment's own annotations that a roll back keeps, and a ReplicaSet's that it does not
   * copy: kubectl's {@code annotationsToSkip} in {@code polymorphichelpers/rollback.go}.
   */
  private static final Set<String> ANNOTATIONS_TO_SKIP =
      Set.of(
          "kubectl.kubernetes.io/last-applied-configuration",
          REVISION,
          "deployment.kubernetes.io/revision-history",
          "deployment.kubernetes.io/desired-replicas",
          "deployment.kubernetes.io/max-replicas",
          "deprecated.deployment.rollback.to");

  /** What a roll back of a Deployment would restore, or why it cannot. */
  public sealed interface RollbackCheck {
    /** The previous revision is there, and the API server would accept its patch. */
    record Ready(long revision) implements RollbackCheck {}

    /** The Deployment has no revision before the current one among its ReplicaSets. */
    record NoPreviousRevision() implements RollbackCheck {}

    /** The API server refused the dry run of the roll back patch. */
    record Refused(int code, String apiMessage) implements RollbackCheck {}
  }

  /** The previous revision found, and the patch that restores it. */
  private record Undo(long revision, PodTemplateSpec template, String patch) {}

  /**
   * Finds the Deployment's previous revision and sends its roll back patch with {@code dryRun=All},
   * as the restart's dry run does: nothing is written.
   */
  public RollbackCheck checkRollback(Target target, Attribution attribution) {
    try {
      Resource<Deployment> resource = deployment(target);
      Deployment deployment = resource.get();
      if (deployment == null) {
        return new RollbackCheck.Refused(HttpURLConnection.HTTP_NOT_FOUND, "not found");
      }
      Optional<Undo> undo = undo(target, deployment, attribution);
      if (undo.isEmpty()) {
        return new RollbackCheck.NoPreviousRevision();
      }
      resource.dryRun().patch(patchContext(PatchType.JSON), undo.get().patch());
      return new RollbackCheck.Ready(undo.get().revision());
    } catch (KubernetesClientException e) {
      return new RollbackCheck.Refused(e.getCode(), apiMessage(e));
    }
  }

  /**
   * Does what {@code kubectl rollout undo} does: the pod template of the previous revision (the
   * highest below the newest among the ReplicaSets the Deployment owns), without its {@code
   * pod-template-hash} label, applied as one JSON patch with the annotations kubectl computes. The
   * template carries the attribution of the roll back's request (DESIGN.md §2), and keeps the
   * {@code restartedAt} of the revision it restores (or none, if that revision had none). kubectl's
   * patch {@code replace}s {@code /metadata/annotations}; this one {@code add}s it, which replaces
   * it the same where it exists and does not fail where it does not.
   */
  public Outcome rollback(Target target, Attribution attribution) {
    if (!clusters.has(target.cluster())) {
      return new Outcome.Error("no cluster named " + target.cluster() + " is configured");
    }
    try {
      Resource<Deployment> resource = deployment(target);
      Deployment deployment = read(resource) instanceof Deployment d ? d : null;
      if (deployment == null) {
        return new Outcome.NotFound();
      }
      if (Boolean.TRUE.equals(deployment.getSpec().getPaused())) {
        return new Outcome.Paused();
      }
      Optional<Undo> undo = undo(target, deployment, attribution);
      if (undo.isEmpty()) {
        return new Outcome.Error(
            "no rollout history found for deployment \"%s\"".formatted(target.name()));
      }
      // On a stand-in: fabric8 would otherwise read the Deployment again.
      Deployment patched =
          (Deployment)
              standIn(client(target), target)
                  .patch(patchContext(PatchType.JSON), undo.get().patch());
      Deployment after = patched == null ? deployment : patched;
      Long generation = after.getMetadata().getGeneration();
      Map<String, String> restored = undo.get().template().getMetadata().getAnnotations();
      String restartedAt = restored == null ? null : restored.get(RESTARTED_AT);
      return new Outcome.Restarted(
          restartedAt == null ? "none" : restartedAt,
          generation == null ? 0 : generation,
          after.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      return switch (e.getCode()) {
        case HttpURLConnection.HTTP_NOT_FOUND -> new Outcome.NotFound();
        case HttpURLConnection.HTTP_FORBIDDEN -> new Outcome.Forbidden(apiMessage(e));
        default -> new Outcome.Error(apiMessage(e));
      };
    }
  }

  private Resource<Deployment> deployment(Target target) {
    return client(target)
        .apps()
        .deployments()
        .inNamespace(target.namespace())
        .withName(target.name());
  }

  /** The previous revision of {@code deployment} and its patch; empty when it has none. */
  private Optional<Undo> undo(Target target, Deployment deployment, Attribution attribution) {
    String uid = deployment.getMetadata().getUid();
    List<ReplicaSet> owned =
        client(target)
            .apps()
            .replicaSets()
            .inNamespace(target.namespace())
            .list()
            .getItems()
            .stream()
            .filter(rs -> ownedBy(rs, uid))
            .filter(rs -> revision(rs) > 0)
            .toList();
    long newest = owned.stream().mapToLong(Workloads::revision).max().orElse(0);
    Optional<ReplicaSet> previous =
        owned.stream()
            .filter(rs -> revision(rs) < newest)
            .max(java.util.Comparator.comparingLong(Workloads::revision));
    if (previous.isEmpty()) {
      return Optional.empty();
    }
    ReplicaSet rs = previous.get();
    PodTemplateSpec template =
        json.convertValue(json.valueToTree(rs.getSpec().getTemplate()), PodTemplateSpec.class);
    if (template.getMetadata() == null) {
      template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    if (template.getMetadata().getLabels() != null) {
      Map<String, String> labels = new HashMap<>(template.getMetadata().getLabels());
      labels.remove(POD_TEMPLATE_HASH);
      template.getMetadata().setLabels(labels);
    }
    Map<String, String> templateAnnotations =
        new HashMap<>(
            template.getMetadata().getAnnotations() == null
                ? Map.of()
                : template.getMetadata().getAnnotations());
    templateAnnotations.put(REQUEST, attribution.requestId());
    templateAnnotations.put(REQUESTED_BY, attribution.requestedBy());
    templateAnnotations.put(APPROVED_BY, attribution.approvedBy());
    template.getMetadata().setAnnotations(templateAnnotations);

    Map<String, String> annotations = new HashMap<>();
    Map<String, String> current = deployment.getMetadata().getAnnotations();
    for (String key : ANNOTATIONS_TO_SKIP) {
      if (current != null && current.containsKey(key)) {
        annotations.put(key, current.get(key));
      }
    }
    if (rs.getMetadata().getAnnotations() != null) {
      rs.getMetadata()
          .getAnnotations()
          .forEach(
              (k, v) -> {
                if (!ANNOTATIONS_TO_SKIP.contains(k)) {
                  annotations.put(k, v);
                }
              });
    }
    var patch = json.createArrayNode();
    patch
        .addObject()
        .put("op", "replace")
        .put("path", "/spec/template")
        .set("value", json.valueToTree(template));
    patch
        .addObject()
        .put("op", "add")
        .put("path", "/metadata/annotations")
        .set("value", json.valueToTree(annotations));
    return Optional.of(new Undo(revision(rs), template, patch.toString()));
  }

  private static boolean ownedBy(ReplicaSet rs, String uid) {
    List<OwnerReference> owners = rs.getMetadata().getOwnerReferences();
    return uid != null && owners != null && owners.stream().anyMatch(o -> uid.equals(o.getUid()));
  }

  private static long revision(ReplicaSet rs) {
    Map<String, String> annotations = rs.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(REVISION);
    try {
      return value == null ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Reads a workload. The client retries I/O errors, 5xx and 429 on its own but not a request that
   * timed out; a read is safe to ask again, so one that got no answer is asked once more.
   */
  private static HasMetadata read(Resource<? extends HasMetadata> resource) {
    try {
      return resource.get();
    } catch (KubernetesClientException e) {
      if (answered(e)) {
        throw e;
      }
      LOG.debugf("no answer to a read (%s); asking again", apiMessage(e));
      return resource.get();
    }
  }

  /**
   * A strategic merge patch, or a JSON merge patch for API servers that only speak that; a Rollout,
   * a custom resource, gets a JSON merge patch at once, as {@code kubectl argo rollouts} sends it.
   */
  private static HasMetadata patch(
      Target target, WritableOperation<? extends HasMetadata> resource, String body) {
    if (target.kind() == WorkloadKind.ROLLOUT) {
      return resource.patch(patchContext(PatchType.JSON_MERGE), body);
    }
    try {
      return resource.patch(patchContext(PatchType.STRATEGIC_MERGE), body);
    } catch (KubernetesClientException e) {
      if (e.getCode() != UNSUPPORTED_MEDIA_TYPE) {
        throw e;
      }
      // For maps a JSON merge patch is identical; some API servers only speak that.
      return resource.patch(patchContext(PatchType.JSON_MERGE), body);
    }
  }

  /** Whether the API server answered at all; without an HTTP status the client has no code. */
  static boolean answered(KubernetesClientException e) {
    return e.getCode() > 0;
  }

  private static String restartedAtOf(HasMetadata workload) {
    if (ArgoRollouts.isRollout(workload)) {
      return ArgoRollouts.restartAt((GenericKubernetesResource) workload).orElse(null);
    }
    PodTemplateSpec template = WorkloadShapes.template(workload);
    if (template == null
        || template.getMetadata() == null
        || template.getMetadata().getAnnotations() == null) {
      return null;
    }
    return template.getMetadata().getAnnotations().get(RESTARTED_AT);
  }

  /**
   * The restart patch as a JSON object, so no id can inject JSON. Everything it writes is in the
   * pod template, so it belongs to the revision this restart creates and to no later one; the
   * workload's own {@code kubernetes.io/change-cause} is left alone, since the next unrelated
   * rollout would inherit it.
   */
  String patchBody(Target target, String restartedAt, Attribution attribution) {
    return target.kind() == WorkloadKind.ROLLOUT
        ? ArgoRollouts.patchBody(json, restartedAt, attribution)
        : patchBody(restartedAt, attribution);
  }

  /** The restart patch of a Deployment, StatefulSet or DaemonSet. */
  String patchBody(String restartedAt, Attribution attribution) {
    ObjectNode patch = json.createObjectNode();
    patch
        .putObject("spec")
        .putObject("template")
        .putObject("metadata")
        .putObject("annotations")
        .put(RESTARTED_AT, restartedAt)
        .put(REQUEST, attribution.requestId())
        .put(REQUESTED_BY, attribution.requestedBy())
        .put(APPROVED_BY, attribution.approvedBy());
    return patch.toString();
  }

  private static PatchContext patchContext(PatchType type) {
    PatchContext context = PatchContext.of(type);
    context.setFieldManager(FIELD_MANAGER);
    return context;
  }

  /** The client of the target's cluster. */
  KubernetesClient client(Target target) {
    return clusters.client(target.cluster());
  }

  static Resource<? extends HasMetadata> resource(KubernetesClient client, Target target) {
    return switch (target.kind()) {
      case DEPLOYMENT ->
          client.apps().deployments().inNamespace(target.namespace()).withName(target.name());
      case STATEFULSET ->
          client.apps().statefulSets().inNamespace(target.namespace()).withName(target.name());
      case DAEMONSET ->
          client.apps().daemonSets().inNamespace(target.namespace()).withName(target.name());
      case ROLLOUT ->
          client
              .genericKubernetesResources(ArgoRollouts.CONTEXT)
              .inNamespace(target.namespace())
              .withName(target.name());
    };
  }

  /**
   * {@code target} as the object of a patch: a stand-in of its kind with its name and namespace
   * alone. fabric8 reads an object before it patches it unless it is given one; it copies the one
   * it is given (a serialisation round trip of the whole object: half the samples of the sequence's
   * thread in a profile of the benchmark's fan-out) and then takes only its name and namespace. So
   * the request is the patch body alone either way, and a stand-in spares both the read and the
   * copy.
   */
  static Resource<? extends HasMetadata> standIn(KubernetesClient client, Target target) {
    ObjectMeta named =
        new ObjectMetaBuilder().withName(target.name()).withNamespace(target.namespace()).build();
    return switch (target.kind()) {
      case DEPLOYMENT ->
          client
              .apps()
              .deployments()
              .inNamespace(target.namespace())
              .resource(new DeploymentBuilder().withMetadata(named).build());
      case STATEFULSET ->
          client
              .apps()
              .statefulSets()
              .inNamespace(target.namespace())
              .resource(new StatefulSetBuilder().withMetadata(named).build());
      case DAEMONSET ->
          client
              .apps()
              .daemonSets()
              .inNamespace(target.namespace())
              .resource(new DaemonSetBuilder().withMetadata(named).build());
      case ROLLOUT -> {
        GenericKubernetesResource rollout = new GenericKubernetesResource();
        rollout.setApiVersion(ArgoRollouts.API_VERSION);
        rollout.setKind(ArgoRollouts.KIND);
        rollout.setMetadata(named);
        yield client
            .genericKubernetesResources(ArgoRollouts.CONTEXT)
            .inNamespace(target.namespace())
            .resource(rollout);
      }
    };
  }

  private static WorkloadSnapshot snapshot(Target target, HasMetadata workload, List<Risk> risks) {
    RiskAssessment.Shape shape = WorkloadShapes.shape(target, workload);
    PodTemplateSpec template = WorkloadShapes.template(workload);
    List<String> images =
        template == null || template.getSpec() == null
            ? List.of()
            : template.getSpec().getContainers().stream().map(Container::getImage).toList();
    Map<String, String> annotations =
        template == null || template.getMetadata() == null
            ? null
            : template.getMetadata().getAnnotations();
    Optional<String> restartedAt =
        workload instanceof GenericKubernetesResource rollout
            ? ArgoRollouts.restartAt(rollout)
            : Optional.ofNullable(annotations).map(a -> a.get(RESTARTED_AT));
    boolean paused =
        workload instanceof Deployment d && Boolean.TRUE.equals(d.getSpec().getPaused());
    return new WorkloadSnapshot(
        target,
        shape.desired(),
        shape.ready(),
        images,
        restartedAt,
        paused,
        shape.generation(),
        risks,
        GitOpsOwner.of(
            workload.getMetadata().getLabels(), workload.getMetadata().getAnnotations()));
  }

  /** The API server's own message (a Status), without the client's request dump. */
  static String apiMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
