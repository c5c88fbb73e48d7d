package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.model.block.ActionsBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.element.ButtonElement;
import dev.restartbot.audit.AuditConfig;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.restart.WorkloadSnapshot;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.TestConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code restart.max-targets} is held to what Slack can show an approver: at {@link
 * ApprovalMessage#MAX_TARGETS} targets with the longest names Kubernetes allows, every message the
 * bot posts about a request (the approval message pending and decided, the thread, the audit
 * channel, the answers to the requester) names every target within Slack's limits. Each is posted
 * to the test fake Slack, which refuses what Slack refuses (50 blocks, 3,000 characters a text, 300
 * in a confirm dialog, 40,000 in a message's text). Above the bound, the app does not start.
 */
class ApprovalLimitsTest {

  /**
   * The longest cluster name and namespace (DNS labels) and the longest names (DNS subdomains)
   * there are.
   */
  static final String NAMESPACE = "n".repeat(63);

  static final List<Target> LONGEST =
      IntStream.range(0, ApprovalMessage.MAX_TARGETS)
          .mapToObj(
              i ->
                  new Target(
                      // The longest cluster name (a DNS label): it is shown with the targets.
                      "c".repeat(63),
                      WorkloadKind.STATEFULSET,
                      NAMESPACE,
                      "s".repeat(250) + String.format(java.util.Locale.ROOT, "%03d", i)))
          .toList();

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

  private static RestartRequest request() {
    return RequestBuilder.request()
        .id("r1")
        .channel("C0OPS")
        .targets(LONGEST)
        .reason("&<>*".repeat(125))
        .message("1.1")
        .build();
  }

  private static List<WorkloadSnapshot> snapshots() {
    List<String> images =
        IntStream.range(0, 40).mapToObj(i -> "registry.example/" + "i".repeat(900) + i).toList();
    return LONGEST.stream()
        .map(t -> new WorkloadSnapshot(t, 3, 3, images, Optional.of("x".repeat(900)), false))
        .toList();
  }

  @Test
  void theApprovalMessageNamesEveryOneOfTheMostTargetsWithTheLongestNamesWithinSlacksLimits() {
    RestartRequest pending = request();
    RestartRequest done =
        RequestBuilder.from(pending)
            .decided(RequestState.APPROVED, "U0LEAD", "bob", RequestBuilder.T0)
            .build();

    for (List<LayoutBlock> blocks :
        List.of(ApprovalMessage.pending(pending, snapshots()), ApprovalMessage.decided(done))) {
      assertThat(blocks).hasSizeLessThanOrEqualTo(50);
      String json = new Gson().toJson(blocks);
      for (Target t : LONGEST) {
        assertThat(json).contains(t.ref());
      }
      assertThat(json).doesNotContain("cut at Slack's limit");
      // The fake Slack refuses what Slack would: this is the check that counts.
      slack.post("C0OPS", null, Messages.pendingText(pending), blocks);
      slack.update("C0OPS", "1.1", Messages.stateLine(done), blocks);
    }
    ButtonElement approve =
        (ButtonElement)
            ApprovalMessage.pending(pending, snapshots()).stream()
                .filter(ActionsBlock.class::isInstance)
                .map(b -> ((ActionsBlock) b).getElements().get(0))
                .findFirst()
                .orElseThrow();
    assertThat(approve.getConfirm().getText().getText())
        .hasSizeLessThanOrEqualTo(300)
        .isEqualTo("This restarts the 100 workloads this message lists, one after another.");
  }

  @Test
  void theThreadTheAuditChannelAndTheAnswersNameTheMostTargetsWithinOneMessage() {
    RestartRequest request = request();
    RequestBuilder finished =
        RequestBuilder.from(request)
            .decided(RequestState.APPROVED, "U0LEAD", "bob", RequestBuilder.T0);
    for (Target t : LONGEST) {
      finished.result(
          new TargetResult(
              t,
              new Outcome.RolloutFailed("exceeded its progress deadline"),
              Duration.ofMinutes(59).plusSeconds(59)));
    }
    RestartRequest done =
        finished.finished(RequestState.DONE, Instant.parse("2026-11-27T00:00:00Z")).build();
    RestartRequest interrupted =
        RequestBuilder.from(request)
            .decided(RequestState.RUNNING, "U0LEAD", "bob", RequestBuilder.T0)
            .result(done.results().get(0))
            .build();
    AuditChannel audit =
        new AuditChannel(
            null, new OrderedDelivery(Runnable::run), (AuditConfig) () -> Optional.of("C0AUDIT"));

    List<String> texts = new ArrayList<>();
    texts.add(Messages.summary(done));
    for (RequestEvent.Interruption why : RequestEvent.Interruption.values()) {
      texts.add(Messages.interrupted(interrupted, why));
    }
    texts.add(Messages.handedBack(interrupted));
    texts.add(Messages.resumed(interrupted));
    texts.add(Messages.submitted(request));
    texts.add(Messages.pendingText(request));
    texts.add(audit.line(new RequestEvent.Submitted(request)).orElseThrow());

    for (String text : texts) {
      assertThat(text.length()).isLessThanOrEqualTo(Messages.MESSAGE_TEXT_LIMIT);
      slack.post("C0OPS", "1.1", text, null);
    }
    for (Target t : LONGEST) {
      assertThat(texts.get(0)).contains(t.ref());
    }
  }

  @Test
  void historyOfFiftyRequestsOfTheMostTargetsStaysWithinOneAnswerAndCountsWhatItLeavesOut() {
    List<RestartRequest> fifty =
        IntStream.range(0, 50)
            .mapToObj(
                i ->
                    RequestBuilder.from(request())
                        .id("r" + i)
                        .decided(RequestState.DENIED, "U0LEAD", "bob", RequestBuilder.T0)
                        .build())
            .toList();

    String history =
        Messages.history(fifty, r -> "https://example.slack.com/archives/C0OPS/p" + r.id());

    assertThat(history.length()).isLessThanOrEqualTo(Messages.MESSAGE_TEXT_LIMIT);
    long shown = history.lines().filter(l -> l.startsWith("• ")).count();
    assertThat(shown).isBetween(1L, 49L);
    assertThat(history).endsWith("… and %d more requests\n".formatted(50 - shown));
    assertThat(history).contains(" and 97 more: denied");
    slack.post("C0OPS", null, history, null);
  }

  @Test
  void aShortHistoryIsShownWhole() {
    List<RestartRequest> three =
        IntStream.range(0, 3)
            .mapToObj(i -> RequestBuilder.request().id("r" + i).deployments("ns", "api").build())
            .toList();

    String history = Messages.history(three, r -> null);

    assertThat(history.lines().filter(l -> l.startsWith("• "))).hasSize(3);
    assertThat(history).doesNotContain("more request");
  }

  @Test
  void aMaxTargetsAboveWhatSlackCanShowOrBelowOneStopsTheStartNamingTheSetting() {
    for (int bad : new int[] {0, -1, ApprovalMessage.MAX_TARGETS + 1, 1_000}) {
      assertThatThrownBy(() -> new MaxTargets().onStart(null, policy(bad)))
          .as("%d", bad)
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("restart.max-targets (RESTART_MAX_TARGETS) is " + bad)
          .hasMessageContaining("between 1 and 100");
    }
  }

  @Test
  void aMaxTargetsFromOneToTheBoundIsAccepted() {
    for (int good : new int[] {1, 20, ApprovalMessage.MAX_TARGETS}) {
      new MaxTargets().onStart(null, policy(good));
    }
  }

  private static PolicyConfig policy(int maxTargets) {
    return TestConfig.mapping(
        PolicyConfig.class, Map.of("restart.max-targets", Integer.toString(maxTargets)));
  }
}
