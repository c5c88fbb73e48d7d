package dev.restartbot.restart;

import dev.restartbot.cluster.Clusters;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.Glob;
import dev.restartbot.policy.GroupMembership;
import dev.restartbot.policy.Policy;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * What a picker may offer: the allowlist joined with what exists in a cluster. It only lists; every
 * request made from a pick is checked in full by {@link RequestLifecycle#submit}.
 */
@ApplicationScoped
public class Catalog {

  private static final Logger LOG = Logger.getLogger(Catalog.class);

  private final Clusters clusters;
  private final Policy policy;

  Catalog(Clusters clusters, Policy policy) {
    this.clusters = clusters;
    this.policy = policy;
  }

  public List<String> clusters() {
    return clusters.names();
  }

  public String defaultCluster() {
    return clusters.defaultCluster();
  }

  /**
   * The namespace globs ({@code pay-*}) of the rules that admit {@code requester} in {@code
   * cluster}; the literal ones are {@link #literalNamespaces}. A glob cannot be offered as it is:
   * {@link #namespacesMatching} turns it into the namespaces that exist.
   */
  public List<String> namespaceGlobs(String cluster, Actor requester, GroupMembership groups) {
    return policy.namespacesFor(cluster, requester, groups).stream()
        .filter(Catalog::isGlob)
        .toList();
  }

  /** The namespaces the rules that admit {@code requester} in {@code cluster} name literally. */
  public List<String> literalNamespaces(String cluster, Actor requester, GroupMembership groups) {
    return policy.namespacesFor(cluster, requester, groups).stream()
        .filter(ns -> !isGlob(ns))
        .toList();
  }

  /**
   * The namespaces of {@code cluster} that one of {@code globs} matches, sorted. Listing namespaces
   * is a cluster-wide right the bot's manifests do not grant (k8s/ gives it rights per namespace):
   * without it, or when the cluster does not answer, there are none, and such namespaces can still
   * be asked for with {@code /restart … -n NS}.
   */
  public List<String> namespacesMatching(String cluster, List<String> globs) {
    if (globs.isEmpty() || !clusters.has(cluster)) {
      return List.of();
    }
    try {
      return clusters.client(cluster).namespaces().list().getItems().stream()
          .map(ns -> ns.getMetadata().getName())
          .filter(name -> globs.stream().anyMatch(glob -> Glob.matches(glob, name)))
          .sorted()
          .toList();
    } catch (KubernetesClientException e) {
      LOG.debugf("could not list the namespaces of cluster %s: %s", cluster, e.getMessage());
      return List.of();
    }
  }

  /**
   * The Deployments, StatefulSets and DaemonSets of {@code namespace} in {@code cluster}, sorted by
   * kind then name; none when the cluster does not answer or the bot may not list them there.
   */
  public List<Target> existing(String cluster, String namespace) {
    if (!clusters.has(cluster)) {
      return List.of();
    }
    KubernetesClient client = clusters.client(cluster);
    List<Target> found = new ArrayList<>();
    try {
      add(
          found,
          cluster,
          namespace,
          WorkloadKind.DEPLOYMENT,
          client.apps().deployments().inNamespace(namespace).list().getItems());
      add(
          found,
          cluster,
          namespace,
          WorkloadKind.STATEFULSET,
          client.apps().statefulSets().inNamespace(namespace).list().getItems());
      add(
          found,
          cluster,
          namespace,
          WorkloadKind.DAEMONSET,
          client.apps().daemonSets().inNamespace(namespace).list().getItems());
    } catch (KubernetesClientException e) {
      LOG.infof(
          "could not list the workloads of %s in cluster %s: %s",
          namespace, cluster, e.getMessage());
      return List.of();
    }
    found.sort(Comparator.comparing(Target::kind).thenComparing(Target::name));
    return found;
  }

  /** Whether the policy lets {@code requester} ask for {@code target} from some channel. */
  public boolean mayAsk(Target target, Actor requester, GroupMembership groups) {
    return policy.mayAsk(target, requester, groups);
  }

  private static void add(
      List<Target> found,
      String cluster,
      String namespace,
      WorkloadKind kind,
      List<? extends HasMetadata> items) {
    Set<String> names = new LinkedHashSet<>();
    items.forEach(item -> names.add(item.getMetadata().getName()));
    names.forEach(name -> found.add(new Target(cluster, kind, namespace, name)));
  }

  private static boolean isGlob(String namespace) {
    return namespace.indexOf('*') >= 0 || namespace.indexOf('?') >= 0;
  }
}
