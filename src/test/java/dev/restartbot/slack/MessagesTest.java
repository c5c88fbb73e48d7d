package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.slack.api.model.block.ActionsBlock;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.element.ButtonElement;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Decider;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.restart.WorkloadSnapshot;
import dev.restartbot.testing.RequestBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MessagesTest {

  private static RestartRequest request(List<Target> targets, Optional<String> reason) {
    return RequestBuilder.request().id("abc123").targets(targets).reason(reason).build();
  }

  private static Target deploy(String name) {
    return new Target(WorkloadKind.DEPLOYMENT, "payments", name);
  }

  @Test
  void approvalMessageHasApproveWithConfirmAndDenyCarryingTheRequestId() {
    RestartRequest r = request(List.of(deploy("payments-api")), Optional.empty());

    List<LayoutBlock> blocks =
        ApprovalMessage.pending(
            r,
            List.of(
                new WorkloadSnapshot(
                    deploy("payments-api"), 3, 2, List.of("img:1"), Optional.empty(), false)));

    ActionsBlock actions =
        blocks.stream()
            .filter(ActionsBlock.class::isInstance)
            .map(ActionsBlock.class::cast)
            .findFirst()
            .orElseThrow();
    ButtonElement approve = (ButtonElement) actions.getElements().get(0);
    ButtonElement deny = (ButtonElement) actions.getElements().get(1);
    assertThat(approve.getActionId()).isEqualTo("restart_approve");
    assertThat(approve.getValue()).isEqualTo("abc123");
    assertThat(approve.getStyle()).isEqualTo("primary");
    assertThat(approve.getConfirm().getText().getText()).contains("deployment/payments-api");
    assertThat(deny.getActionId()).isEqualTo("restart_deny");
    assertThat(deny.getValue()).isEqualTo("abc123");
    assertThat(deny.getStyle()).isEqualTo("danger");
  }

  @Test
  void confirmDialogStaysWithinSlacksLimitForManyTargets() {
    List<Target> many =
        IntStream.range(0, 20).mapToObj(i -> deploy("a-rather-long-service-name-" + i)).toList();

    String text = ApprovalMessage.confirmText(many);

    assertThat(text.length()).isLessThanOrEqualTo(300);
    assertThat(text).endsWith("more.");
  }

  @Test
  void userTextCannotInjectMentionsOrLinks() {
    assertThat(Messages.escape("<!channel> & <https://evil|x>"))
        .isEqualTo("&lt;!channel&gt; &amp; &lt;https://evil|x&gt;");
  }

  @Test
  void anApprovedMessageWhoseRunHasNotStartedOffersOnlyAbortWhichTakesTheApprovalBack() {
    RestartRequest r =
        request(List.of(deploy("payments-api")), Optional.of("why"))
            .decided(RequestState.APPROVED, new Decider.Person("U0LEAD", "bob"), Instant.now());

    List<ActionsBlock> actions =
        ApprovalMessage.decided(r).stream()
            .filter(ActionsBlock.class::isInstance)
            .map(ActionsBlock.class::cast)
            .toList();

    assertThat(actions).hasSize(1);
    assertThat(actions.get(0).getElements())
        .singleElement()
        .satisfies(
            e -> {
              ButtonElement abort = (ButtonElement) e;
              assertThat(abort.getActionId()).isEqualTo(SlackApp.ABORT);
              assertThat(abort.getValue()).isEqualTo(r.id());
              assertThat(abort.getConfirm().getText().getText())
                  .isEqualTo(ApprovalMessage.ABORT_BEFORE_START_CONFIRM);
            });
    assertThat(Messages.stateLine(r)).contains("Approved by <@U0LEAD>");
  }

  @Test
  void aDeniedMessageHasNoButtons() {
    RestartRequest r =
        request(List.of(deploy("payments-api")), Optional.of("why"))
            .decided(RequestState.DENIED, new Decider.Person("U0LEAD", "bob"), Instant.now());

    assertThat(ApprovalMessage.decided(r)).noneMatch(ActionsBlock.class::isInstance);
  }

  @Test
  void aControllerMessageThatEndsInAFullStopGetsNoSecondOne() {
    Target t = deploy("api");
    String failed =
        Messages.result(
            new TargetResult(
                t,
                new Outcome.RolloutFailed(
                    "exceeded its progress deadline: ReplicaSet \"api-7d\" has timed out"
                        + " progressing."),
                Duration.ofSeconds(3)));
    String noStop =
        Messages.result(
            new TargetResult(
                t, new Outcome.RolloutFailed("exceeded its progress deadline"), Duration.ZERO));

    assertThat(failed).contains("timed out progressing. Next step:").doesNotContain("..");
    assertThat(noStop).contains("exceeded its progress deadline. Next step:");
  }

  @Test
  void eachOutcomeRendersItsOwnSentence() {
    Target t = deploy("api");
    assertThat(
            Messages.result(
                new TargetResult(
                    t,
                    new Outcome.Restarted("2026-11-26T10:00:00Z", 2, "uid"),
                    Duration.ofMillis(40))))
        .contains("restarted", "2026-11-26T10:00:00Z");
    assertThat(Messages.result(new TargetResult(t, new Outcome.NotFound(), Duration.ZERO)))
        .contains("not found");
    assertThat(
            Messages.result(
                new TargetResult(t, new Outcome.Forbidden("cannot patch <x>"), Duration.ZERO)))
        .contains("forbidden", "cannot patch &lt;x&gt;");
    assertThat(Messages.result(new TargetResult(t, new Outcome.Paused(), Duration.ZERO)))
        .contains("paused", "kubectl rollout resume deployment/api -n payments");
    assertThat(Messages.result(new TargetResult(t, new Outcome.Error("boom"), Duration.ZERO)))
        .contains("failed", "boom");
    assertThat(
            Messages.result(
                new TargetResult(
                    t,
                    new Outcome.Skipped(
                        new Outcome.SkipReason.EarlierFailed(Optional.of(deploy("x")))),
                    Duration.ZERO)))
        .contains("skipped", "`deployment/x` did not restart and stop-on-failure is on");
  }

  @Test
  void anApprovalMessageOfAHundredTargetsStaysWithinSlacksLimits() {
    List<Target> targets = IntStream.range(0, 100).mapToObj(i -> deploy("api-" + i)).toList();
    List<String> manyImages =
        IntStream.range(0, 200).mapToObj(i -> "registry.example/sidecar-" + i + ":1.0").toList();
    List<WorkloadSnapshot> snapshots =
        targets.stream()
            .map(t -> new WorkloadSnapshot(t, 3, 3, manyImages, Optional.empty(), false))
            .toList();

    List<LayoutBlock> blocks =
        ApprovalMessage.pending(request(targets, Optional.of("x".repeat(5000))), snapshots);

    assertThat(blocks).hasSizeLessThanOrEqualTo(50);
    String json = new com.google.gson.Gson().toJson(blocks);
    assertThat(json).contains("deployment/api-19", "…and 80 more", "deployment/api-99");
    assertThat(json).contains("and 195 more");
    for (LayoutBlock block : blocks) {
      if (block instanceof com.slack.api.model.block.SectionBlock section) {
        assertThat(section.getText().getText().length()).isLessThanOrEqualTo(3000);
      }
    }
  }
}
