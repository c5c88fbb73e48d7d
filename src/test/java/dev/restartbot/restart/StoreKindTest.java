package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code restart.store} as the app's config mapping reads it, with real SmallRye config. */
class StoreKindTest {

  static RestartConfig read(ConfigSource source) {
    return new SmallRyeConfigBuilder()
        // Quarkus reads "30d"; plain SmallRye only knows ISO-8601 durations.
        .withConverter(Duration.class, 100, new DurationConverter())
        .withMapping(RestartConfig.class)
        .withSources(source)
        .build()
        .getConfigMapping(RestartConfig.class);
  }

  static RestartConfig properties(Map<String, String> properties) {
    return read(new PropertiesConfigSource(properties, "application.properties", 250));
  }

  @ParameterizedTest
  @CsvSource({
    "memory, MEMORY",
    "MEMORY, MEMORY",
    "Memory, MEMORY",
    "kubernetes, KUBERNETES",
    "KUBERNETES, KUBERNETES",
    "Kubernetes, KUBERNETES"
  })
  void eitherKindIsReadInAnyCaseSmallRyeAccepts(String value, StoreKind kind) {
    assertThat(properties(Map.of("restart.store", value)).store()).contains(kind);
  }

  @Test
  void theEnvironmentVariableSetsItToo() {
    assertThat(read(new EnvConfigSource(Map.of("RESTART_STORE", "kubernetes"), 300)).store())
        .contains(StoreKind.KUBERNETES);
  }

  @Test
  void aBadValueStopsTheStartWithTheKeyTheValueAndTheAllowedValues() {
    assertThatThrownBy(() -> properties(Map.of("restart.store", "configmaps")))
        .hasMessageContaining("restart.store")
        .hasMessageContaining("configmaps")
        .hasMessageContaining("allowed values: kubernetes,memory");
  }

  @Test
  void aBadValueFromTheEnvironmentNamesTheSameKey() {
    assertThatThrownBy(() -> read(new EnvConfigSource(Map.of("RESTART_STORE", "postgres"), 300)))
        .hasMessageContaining("restart.store")
        .hasMessageContaining("postgres")
        .hasMessageContaining("allowed values: kubernetes,memory");
  }

  @Test
  void unsetItIsTheClusterStoreInsideAClusterAndMemoryElsewhere() {
    Optional<StoreKind> unset = properties(Map.of()).store();

    assertThat(unset).isEmpty();
    assertThat(StoreKind.orDefault(unset, true)).isEqualTo(StoreKind.KUBERNETES);
    assertThat(StoreKind.orDefault(unset, false)).isEqualTo(StoreKind.MEMORY);
  }

  @Test
  void aConfiguredKindWinsOverWhereTheBotRuns() {
    assertThat(StoreKind.orDefault(Optional.of(StoreKind.MEMORY), true))
        .isEqualTo(StoreKind.MEMORY);
    assertThat(StoreKind.orDefault(Optional.of(StoreKind.KUBERNETES), false))
        .isEqualTo(StoreKind.KUBERNETES);
  }
}
