package dev.restartbot.restart;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The executor's settings under {@code restart.*}; the policy owns the allowlist keys. */
@ConfigMapping(prefix = "restart")
public interface RestartConfig {

  /** After a failed target, mark the rest skipped instead of going on. */
  @WithDefault("true")
  boolean stopOnFailure();
}
