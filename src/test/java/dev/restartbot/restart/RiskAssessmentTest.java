package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.WorkloadKind;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RiskAssessmentTest {

  private static final RiskAssessment.Quotas NO_QUOTAS = new RiskAssessment.Quotas.Read(List.of());

  /** A rolled-out, healthy Deployment of {@code replicas} with the default strategy. */
  private static RiskAssessment.Shape deployment(int replicas) {
    return new RiskAssessment.Shape(
        WorkloadKind.DEPLOYMENT,
        replicas,
        replicas,
        replicas,
        4,
        4,
        RiskAssessment.Strategy.ROLLING_UPDATE,
        Optional.empty(),
        List.of(Map.of("cpu", "500m", "memory", "1Gi"), Map.of("cpu", "100m", "memory", "128Mi")));
  }

  private static RiskAssessment.Shape withSurge(RiskAssessment.Shape s, String maxSurge) {
    return new RiskAssessment.Shape(
        s.kind(),
        s.desired(),
        s.ready(),
        s.updated(),
        s.generation(),
        s.observedGeneration(),
        s.strategy(),
        Optional.of(maxSurge),
        s.containerRequests());
  }

  @Nested
  class Rounding {

    /**
     * {@code intstr.GetScaledValueFromIntOrPercent} as {@code deploymentutil.ResolveFenceposts}
     * calls it: maxSurge rounds up, maxUnavailable rounds down.
     */
    @ParameterizedTest(name = "{0} of {1}: surge {2}, unavailable {3}")
    @CsvSource({
      "25%, 1, 1, 0",
      "25%, 3, 1, 0",
      "25%, 4, 1, 1",
      "25%, 10, 3, 2",
      "10%, 10, 1, 1",
      "30%, 3, 1, 0",
      "0%, 5, 0, 0",
      "100%, 3, 3, 3",
      "2, 10, 2, 2",
      "0, 1, 0, 0"
    })
    void percentagesRoundAsTheDeploymentControllerRoundsThem(
        String value, int total, int surge, int unavailable) {
      assertThat(RiskAssessment.scaled(value, total, true)).isEqualTo(OptionalInt.of(surge));
      assertThat(RiskAssessment.scaled(value, total, false)).isEqualTo(OptionalInt.of(unavailable));
    }

    @Test
    void aValueThatIsNeitherANumberNorAPercentageResolvesToNothing() {
      assertThat(RiskAssessment.scaled("a lot", 3, true)).isEmpty();
      assertThat(RiskAssessment.scaled("%", 3, true)).isEmpty();
    }

    @Test
    void theDefaultSurgeOfADeploymentIsAQuarterRoundedUp() {
      assertThat(RiskAssessment.surgePods(deployment(1))).hasValue(1);
      assertThat(RiskAssessment.surgePods(deployment(5))).hasValue(2);
      assertThat(RiskAssessment.surgePods(withSurge(deployment(5), "0"))).hasValue(0);
    }
  }

  @Nested
  class Quantities {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
      "500m, 0.5",
      "2, 2",
      "1.5, 1.5",
      "1Gi, 1073741824",
      "128Mi, 134217728",
      "1Ki, 1024",
      "1k, 1000",
      "1M, 1000000",
      "1G, 1000000000",
      "1e3, 1000",
      "100u, 0.0001",
      "1E, 1000000000000000000"
    })
    void kubernetesQuantitiesReadInTheirBaseUnit(String text, String value) {
      assertThat(RiskAssessment.quantity(text))
          .hasValueSatisfying(q -> assertThat(q).isEqualByComparingTo(new BigDecimal(value)));
    }

    @Test
    void whatIsNotAQuantityIsNone() {
      assertThat(RiskAssessment.quantity("lots")).isEmpty();
      assertThat(RiskAssessment.quantity("1Qi")).isEmpty();
    }
  }

  @Nested
  class Risks {

    @Test
    void aHealthyRolledOutDeploymentOfThreeHasNone() {
      assertThat(RiskAssessment.of(deployment(3), NO_QUOTAS)).isEmpty();
    }

    @Test
    void recreateIsARiskAndNeedsNoRoomForASurge() {
      var recreate =
          new RiskAssessment.Shape(
              WorkloadKind.DEPLOYMENT,
              3,
              3,
              3,
              1,
              1,
              RiskAssessment.Strategy.RECREATE,
              Optional.of("100%"),
              List.of(Map.of("cpu", "64")));

      assertThat(RiskAssessment.of(recreate, full("pods", "0")))
          .containsExactly(new Risk.Recreate());
    }

    @Test
    void oneReplicaHasNoSparePodOnlyWhenItsSurgeResolvesToZero() {
      assertThat(RiskAssessment.of(withSurge(deployment(1), "0"), NO_QUOTAS))
          .containsExactly(new Risk.NoSparePod());
      assertThat(RiskAssessment.of(withSurge(deployment(1), "0%"), NO_QUOTAS))
          .containsExactly(new Risk.NoSparePod());
      // 25% of 1 rounds up to one extra pod: the old one stays until the new one is ready.
      assertThat(RiskAssessment.of(deployment(1), NO_QUOTAS)).isEmpty();
      assertThat(RiskAssessment.of(withSurge(deployment(2), "0"), NO_QUOTAS)).isEmpty();
    }

    @Test
    void aStatefulSetOfOneHasNoSparePod() {
      var one =
          new RiskAssessment.Shape(
              WorkloadKind.STATEFULSET,
              1,
              1,
              1,
              2,
              2,
              RiskAssessment.Strategy.ROLLING_UPDATE,
              Optional.empty(),
              List.of());

      assertThat(RiskAssessment.of(one, NO_QUOTAS)).containsExactly(new Risk.NoSparePod());
    }

    @Test
    void fewerReadyThanDesiredIsNotHealthy() {
      var sick =
          new RiskAssessment.Shape(
              WorkloadKind.DEPLOYMENT,
              3,
              1,
              3,
              1,
              1,
              RiskAssessment.Strategy.ROLLING_UPDATE,
              Optional.empty(),
              List.of());

      assertThat(RiskAssessment.of(sick, NO_QUOTAS)).containsExactly(new Risk.NotHealthy(1, 3));
    }

    @Test
    void anUnobservedGenerationOrOldPodsMeanARolloutInProgress() {
      var unobserved =
          new RiskAssessment.Shape(
              WorkloadKind.DEPLOYMENT,
              3,
              3,
              3,
              5,
              4,
              RiskAssessment.Strategy.ROLLING_UPDATE,
              Optional.empty(),
              List.of());
      var halfway =
          new RiskAssessment.Shape(
              WorkloadKind.DEPLOYMENT,
              3,
              3,
              1,
              5,
              5,
              RiskAssessment.Strategy.ROLLING_UPDATE,
              Optional.empty(),
              List.of());

      assertThat(RiskAssessment.of(unobserved, NO_QUOTAS))
          .containsExactly(new Risk.RolloutInProgress());
      assertThat(RiskAssessment.of(halfway, NO_QUOTAS))
          .containsExactly(new Risk.RolloutInProgress());
    }
  }

  @Nested
  class Quota {

    // deployment(3): surge ceil(25% of 3) = 1 pod of 600m and 1Gi + 128Mi.

    @Test
    void cpuLeftBelowWhatTheSurgePodsRequestIsARisk() {
      var quota = quota(Map.of("requests.cpu", "4"), Map.of("requests.cpu", "3500m"));

      assertThat(RiskAssessment.of(deployment(3), quota))
          .containsExactly(
              new Risk.QuotaFull(
                  "compute", "requests.cpu", new BigDecimal("0.600"), new BigDecimal("0.500")));
    }

    @Test
    void exactlyEnoughRoomIsNoRisk() {
      var quota = quota(Map.of("requests.cpu", "4"), Map.of("requests.cpu", "3400m"));

      assertThat(RiskAssessment.of(deployment(3), quota)).isEmpty();
    }

    @Test
    void memoryIsSummedOverContainersAndMultipliedByTheSurge() {
      // 10 replicas: surge ceil(2.5) = 3 pods of 1152Mi = 3456Mi; 3Gi (3072Mi) left.
      var quota = quota(Map.of("requests.memory", "8Gi"), Map.of("requests.memory", "5Gi"));

      assertThat(RiskAssessment.of(deployment(10), quota))
          .singleElement()
          .isInstanceOfSatisfying(
              Risk.QuotaFull.class,
              full -> {
                assertThat(full.resource()).isEqualTo("requests.memory");
                assertThat(full.needed())
                    .isEqualByComparingTo(BigDecimal.valueOf(3L * 1152 * 1024 * 1024));
                assertThat(full.left()).isEqualByComparingTo(BigDecimal.valueOf(3L << 30));
              });
    }

    @Test
    void aPodCountWithoutRoomIsARiskAndUnusedMeansNothingUsed() {
      assertThat(RiskAssessment.of(deployment(3), quota(Map.of("pods", "3"), Map.of("pods", "3"))))
          .containsExactly(new Risk.QuotaFull("compute", "pods", BigDecimal.ONE, BigDecimal.ZERO));
      assertThat(RiskAssessment.of(deployment(3), quota(Map.of("pods", "4"), Map.of()))).isEmpty();
    }

    @Test
    void plainCpuAndMemoryKeysCountAsRequests() {
      var quota = quota(Map.of("cpu", "1"), Map.of("cpu", "900m"));

      assertThat(RiskAssessment.of(deployment(3), quota))
          .singleElement()
          .isInstanceOf(Risk.QuotaFull.class);
    }

    @Test
    void noSurgeNeedsNoRoom() {
      var quota = quota(Map.of("pods", "3"), Map.of("pods", "3"));

      assertThat(RiskAssessment.of(withSurge(deployment(3), "0"), quota)).isEmpty();
    }

    @Test
    void quotasThatCouldNotBeReadAreSaidToBeUnchecked() {
      assertThat(
              RiskAssessment.of(deployment(3), new RiskAssessment.Quotas.Unreadable("forbidden")))
          .containsExactly(new Risk.QuotaUnchecked("forbidden"));
    }
  }

  private static RiskAssessment.Quotas quota(Map<String, String> hard, Map<String, String> used) {
    return new RiskAssessment.Quotas.Read(List.of(new RiskAssessment.Quota("compute", hard, used)));
  }

  private static RiskAssessment.Quotas full(String resource, String hard) {
    return quota(Map.of(resource, hard), Map.of());
  }
}
