package dev.restartbot.testing;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/**
 * A config mapping read from a few properties, the way the app reads it (defaults, converters,
 * validation), instead of a hand-written implementation that drifts from the interface: a test
 * names only the keys it is about.
 */
public final class TestConfig {

  private TestConfig() {}

  /** {@code type} (a {@code @ConfigMapping}) from {@code properties} and its defaults. */
  public static <T> T mapping(Class<T> type, Map<String, String> properties) {
    return builder(properties).withMapping(type).build().getConfigMapping(type);
  }

  /** A builder with Quarkus's duration syntax ({@code 15m}) and {@code properties} as a source. */
  public static SmallRyeConfigBuilder builder(Map<String, String> properties) {
    return new SmallRyeConfigBuilder()
        // Quarkus reads "15m"; plain SmallRye only knows ISO-8601 durations.
        .withConverter(Duration.class, 100, new DurationConverter())
        .withSources(new PropertiesConfigSource(properties, "test", 255));
  }
}
