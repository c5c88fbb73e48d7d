package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.model.view.View;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.PersonalRequests;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.RequestBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The modal and the Home tab stay within Slack's limits however much there is to show: 100 blocks a
 * view, 3,000 characters a text, 150 a header, 100 options a select, 75 characters an option's text
 * and 150 its value. Each view goes to the test fake Slack, which refuses what Slack refuses.
 */
class SurfaceLimitsTest {

  private final FakeSlackApi fake = FakeSlackApi.get();
  private SlackClient slack;

  @BeforeEach
  void setUp() {
    fake.reset();
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(fake.baseUrl());
    config.setStatsEnabled(false);
    slack =
        new SlackClient(
            SlackClient.methods(Slack.getInstance(config), "xoxb-test"),
            d -> {},
            new SimpleMeterRegistry());
  }

  private static List<RestartRequest> requests(String prefix, RequestState state, int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                RequestBuilder.request()
                    .id(prefix + i)
                    .channel("C0OPS")
                    .state(state)
                    .targets(ApprovalLimitsTest.LONGEST)
                    .reason("&<>*".repeat(125))
                    .message("1." + i)
                    .build())
        .toList();
  }

  @Test
  void theHomeTabOfSomeoneWithTheMostOfEverythingIsWithinSlacksLimits() {
    PersonalRequests.View lots =
        new PersonalRequests.View(
            requests("w", RequestState.PENDING, 200),
            requests("m", RequestState.DENIED, 200),
            requests("r", RequestState.RUNNING, 200));
    Map<String, String> progress = new HashMap<>();
    lots.running().forEach(r -> progress.put(r.id(), "x".repeat(3_000)));

    View view = HomeView.of(lots, progress);

    assertThat(view.getBlocks()).hasSizeLessThanOrEqualTo(HomeView.MAX_BLOCKS);
    assertThat(new Gson().toJson(view)).contains("restart_approve", "w0", "m0", "r0");
    // The fake Slack refuses what Slack would: this is the check that counts.
    slack.call("views.publish", m -> m.viewsPublish(r -> r.userId("U0LEAD").view(view)));
  }

  @Test
  void anEmptyHomeTabSaysSoInEachPart() {
    View view = HomeView.of(new PersonalRequests.View(List.of(), List.of(), List.of()), Map.of());

    assertThat(new Gson().toJson(view))
        .contains("Nothing waits for your approval", "/restart", "Nothing is restarting now");
    slack.call("views.publish", m -> m.viewsPublish(r -> r.userId("U0LEAD").view(view)));
  }

  @Test
  void theModalOffersAtMostAHundredNamespacesAndClusters() {
    List<String> many = IntStream.range(0, 300).mapToObj(i -> "ns-" + i).toList();
    List<String> clusters = IntStream.range(0, 150).mapToObj(i -> "c" + i).toList();

    View form = ModalView.form(Optional.empty(), clusters, "c0", many, "ns-250", 20);

    String json = new Gson().toJson(form);
    assertThat(json).contains("\"ns-99\"").doesNotContain("\"ns-100\"");
    slack.call("views.open", m -> m.viewsOpen(r -> r.triggerId("1.2.3").view(form)));
  }

  @Test
  void anOptionNamesItsWorkloadWithinSlacksLimitsOrIsNotOffered() {
    Target longest = ApprovalLimitsTest.LONGEST.get(0);
    Target fits = new Target("prod", WorkloadKind.DEPLOYMENT, "payments", "payments-api");

    assertThat(ModalView.text(longest)).hasSize(ModalView.OPTION_TEXT).endsWith("…");
    assertThat(ModalView.fits(longest)).isFalse();
    assertThat(ModalView.text(fits)).isEqualTo("deployment/payments-api");
    assertThat(ModalView.value(fits)).isEqualTo("prod/payments/deployment/payments-api");
    assertThat(ModalView.fits(fits)).isTrue();
    assertThat(ModalView.target(ModalView.value(fits), List.of("prod"))).contains(fits);
    assertThat(ModalView.target(ModalView.value(fits), List.of("staging"))).isEmpty();
    assertThat(ModalView.target("prod/payments/deployment/Not_A_Name", List.of("prod"))).isEmpty();
    assertThat(ModalView.target("prod/payments/cronjob/x", List.of("prod"))).isEmpty();
    assertThat(ModalView.target("prod/payments/deployment", List.of("prod"))).isEmpty();
  }
}
