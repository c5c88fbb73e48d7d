package dev.restartbot.restart;

import java.util.Optional;

/**
 * Where requests live ({@code restart.store}). SmallRye converts the config value ({@code memory},
 * {@code Memory} or {@code MEMORY} alike), so any other value stops the bot at start with a message
 * that names the key and the allowed values.
 */
public enum StoreKind {
  /** In this process only: one replica, pending requests lost on restart. */
  MEMORY,
  /** ConfigMaps in the bot's namespace, shared by every replica and kept across restarts. */
  KUBERNETES;

  /** The kind to use when {@code restart.store} is unset: the cluster store inside a cluster. */
  static StoreKind orDefault(Optional<StoreKind> configured, boolean inCluster) {
    return configured.orElse(inCluster ? KUBERNETES : MEMORY);
  }
}
