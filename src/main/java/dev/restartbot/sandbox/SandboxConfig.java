package dev.restartbot.sandbox;

import io.quarkus.arc.Unremovable;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * {@code restart.sandbox.*}. The switch is read at build time (it decides which beans and routes
 * the app has, see {@code @IfBuildProperty} on the sandbox's classes); this mapping names the key,
 * so a build without the sandbox still accepts it. Nothing injects it: {@link Unremovable} keeps it
 * registered all the same (Quarkus otherwise drops mappings that nothing injects).
 */
@Unremovable
@ConfigMapping(prefix = "restart.sandbox")
public interface SandboxConfig {

  /** True in the dev profile: the embedded fakes replace Slack and the cluster. */
  @WithDefault("false")
  boolean enabled();
}
