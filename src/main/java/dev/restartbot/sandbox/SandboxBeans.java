package dev.restartbot.sandbox;

import dev.restartbot.cluster.ClusterConfig;
import dev.restartbot.cluster.Clusters;
import dev.restartbot.slack.SlackSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.config.SmallRyeConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Where the sandbox takes the place of the real edges. The bot's {@link KubernetesClient} is the
 * simulated cluster's, and its Slack settings name the sandbox's Slack, whatever the environment
 * says: a {@code KUBECONFIG}, {@code SLACK_BOT_TOKEN} or {@code SLACK_APP_TOKEN} set in the shell
 * is never read while the sandbox is on. Both beans exist only in a build with {@code
 * restart.sandbox.enabled=true}.
 */
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxBeans {

  private static final Logger LOG = Logger.getLogger(SandboxBeans.class);

  /**
   * The sandbox's clusters, {@code staging} (the default, which also holds the request store) and
   * {@code prod}, in place of whatever {@code restart.clusters} says: a dev run never reaches a
   * cluster from a kubeconfig.
   */
  @Produces
  @Singleton
  @Alternative
  @Priority(1)
  Clusters clusters(SandboxCluster cluster, ClusterConfig configured) {
    if (!configured.clusters().isEmpty()) {
      LOG.warnf(
          "sandbox: restart.clusters (%s) is ignored; the sandbox serves its own clusters %s",
          String.join(", ", configured.clusters().keySet()), SandboxCluster.CLUSTERS);
    }
    return new Clusters(cluster.clients(), SandboxCluster.CLUSTERS.get(0), Set.of());
  }

  /** Replaces the Quarkus extension's client (a default bean built from the kubeconfig). */
  @Produces
  @Singleton
  KubernetesClient kubernetesClient(SandboxCluster cluster) {
    return cluster.client();
  }

  /**
   * The sandbox's Slack settings: its own API, token and signing secret, no Socket Mode. The tuning
   * settings (progress budget, caches) still come from config.
   */
  @Produces
  @Singleton
  @Alternative
  @Priority(1)
  SlackSettings slackSettings(SandboxSlack slack, Config config) {
    SlackSettings configured =
        config.unwrap(SmallRyeConfig.class).getConfigMapping(SlackSettings.class);
    return new SlackSettings() {
      @Override
      public Optional<String> botToken() {
        return Optional.of(slack.botToken());
      }

      @Override
      public Optional<String> signingSecret() {
        return Optional.of(slack.signingSecret());
      }

      @Override
      public Optional<String> appToken() {
        return Optional.empty();
      }

      @Override
      public String apiUrl() {
        return slack.apiUrl();
      }

      @Override
      public Duration directoryTtl() {
        return configured.directoryTtl();
      }

      @Override
      public int progressUpdatesPerMinute() {
        return configured.progressUpdatesPerMinute();
      }

      @Override
      public Duration progressInterval() {
        return configured.progressInterval();
      }

      @Override
      public Duration ackBudget() {
        return configured.ackBudget();
      }

      @Override
      public UserLimit userLimit() {
        return configured.userLimit();
      }
    };
  }
}
