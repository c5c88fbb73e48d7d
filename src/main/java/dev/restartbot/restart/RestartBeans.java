package dev.restartbot.restart;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.cluster.Clusters;
import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.PolicyException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The restart feature's shared pieces: the clock, the policy, the store, run ownership, the request
 * events and the threads sequences run on.
 */
public class RestartBeans {

  private static final Logger LOG = Logger.getLogger(RestartBeans.class);
  private static final Path SERVICE_ACCOUNT =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  /** Where requests live, decided once from {@code restart.store*} and the environment. */
  record StorePlacement(boolean inCluster, Optional<String> namespace) {}

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /** The request events, to every {@code @Observes RequestEvent} method, in order. */
  @Produces
  @Singleton
  RequestEvents requestEvents(Event<RequestEvent> event) {
    return new RequestEvents(event::fire);
  }

  @Produces
  @Singleton
  Sequences sequences() {
    return Sequences.threads();
  }

  void stopSequences(@Disposes Sequences sequences, RestartConfig config) {
    sequences.drain(config.shutdownGrace());
  }

  /** Built at start, so that a broken allowlist stops the bot with a message naming the key. */
  @Produces
  @Singleton
  @Startup
  Policy policy(PolicyConfig config, Clusters clusters) {
    try {
      return Policy.from(config, clusters.names());
    } catch (PolicyException e) {
      // Quarkus prints a ConfigurationException's message alone, without a stack trace.
      throw new ConfigurationException(e.getMessage());
    }
  }

  @Produces
  @Singleton
  StorePlacement storePlacement(RestartConfig config, KubernetesClient client) {
    // A value other than memory or kubernetes never gets here: the config mapping refuses it.
    return switch (StoreKind.orDefault(config.store(), runsInCluster())) {
      case MEMORY -> new StorePlacement(false, Optional.empty());
      case KUBERNETES -> new StorePlacement(true, Optional.of(storeNamespace(config, client)));
    };
  }

  private static String storeNamespace(RestartConfig config, KubernetesClient client) {
    return config
        .storeNamespace()
        .or(RestartBeans::serviceAccountNamespace)
        .or(() -> Optional.ofNullable(client.getNamespace()))
        .orElseThrow(
            () ->
                new ConfigurationException(
                    "restart.store is kubernetes but no namespace is known: set"
                        + " restart.store-namespace (RESTART_STORE_NAMESPACE)."));
  }

  @Produces
  @Singleton
  @Startup
  RequestStore requestStore(
      StorePlacement placement, KubernetesClient client, ObjectMapper json, Clusters clusters) {
    if (placement.namespace().isEmpty()) {
      LOG.info("request store: memory (one replica; pending requests are lost on restart)");
      return new InMemoryRequestStore();
    }
    LOG.infof("request store: kubernetes, ConfigMaps in namespace %s", placement.namespace().get());
    // The bot's own client: the store and its Leases stay home, whatever the targets' clusters.
    return new ConfigMapRequestStore(
        client, placement.namespace().get(), json, clusters.defaultCluster());
  }

  @Produces
  @Singleton
  RunOwnership runOwnership(
      StorePlacement placement, KubernetesClient client, RestartConfig config, Clock clock) {
    if (placement.namespace().isEmpty()) {
      return RunOwnership.local(config.leaseDuration(), System::nanoTime);
    }
    String identity =
        Optional.ofNullable(System.getenv("HOSTNAME"))
                .filter(h -> !h.isBlank())
                .orElse("restart-bot")
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    AtomicInteger n = new AtomicInteger();
    // A few threads, so that one renewal stuck on a slow API server holds up no other claim.
    ScheduledExecutorService renewals =
        Executors.newScheduledThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "restart-lease-renewal-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    return new LeaseRunOwnership(
        LeaseRunOwnership.LeaseApi.of(client, placement.namespace().get()),
        placement.namespace().get(),
        identity,
        config.leaseDuration(),
        clock,
        renewals,
        System::nanoTime);
  }

  private static boolean runsInCluster() {
    return System.getenv("KUBERNETES_SERVICE_HOST") != null
        && Files.exists(SERVICE_ACCOUNT.resolve("token"));
  }

  private static Optional<String> serviceAccountNamespace() {
    try {
      Path file = SERVICE_ACCOUNT.resolve("namespace");
      return Files.exists(file)
          ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim())
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
