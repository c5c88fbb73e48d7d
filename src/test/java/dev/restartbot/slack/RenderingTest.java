package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.audit.AuditConfig;
import dev.restartbot.policy.PolicyRefusal;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.GitOpsOwner;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.Refusal;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.Risk;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.Samples;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every value the domain can hand the Slack edge has words of its own: each outcome, refusal, state
 * and event, including the ones added after this test was written (it walks the permitted
 * subtypes). A new outcome can never silently read as "failed", nor a refusal as "refused".
 */
class RenderingTest {

  private static final Target T = new Target(WorkloadKind.DEPLOYMENT, "payments", "api");

  /** Sentences start with a capital (or a target in backticks) and end with a full stop. */
  private static final Pattern SENTENCES = Pattern.compile("^[A-Z`].*[.]$", Pattern.DOTALL);

  @Test
  void everyOutcomeHasADistinctResultLine() {
    List<Outcome> outcomes = Samples.all(Outcome.class);
    assertThat(outcomes).hasSizeGreaterThanOrEqualTo(Outcome.class.getPermittedSubclasses().length);

    Set<String> seen = new HashSet<>();
    for (Outcome o : outcomes) {
      String line = Messages.result(new TargetResult(T, o, Duration.ofSeconds(2)));
      assertThat(line).as(o.toString()).contains("`deployment/api` in `payments`");
      assertThat(seen.add(shape(line))).as("%s renders like another outcome: %s", o, line).isTrue();
    }
  }

  @Test
  void everyRiskIsOneWarningLineOfItsOwnAndEveryOwnerOneNote() {
    List<Risk> risks = Samples.all(Risk.class);
    assertThat(risks).hasSize(Risk.class.getPermittedSubclasses().length);
    Set<String> seen = new HashSet<>();
    for (Risk risk : risks) {
      String line = RiskLines.line(risk);
      assertThat(line)
          .as(risk.toString())
          .startsWith(":warning: ")
          .endsWith(".")
          .doesNotContain("\n");
      assertThat(seen.add(line)).as("%s reads like another risk", risk).isTrue();
    }
    for (GitOpsOwner owner : Samples.all(GitOpsOwner.class)) {
      assertThat(RiskLines.owner(owner))
          .as(owner.toString())
          .startsWith(":information_source: Managed by ")
          .endsWith("defines what runs.");
    }
  }

  /**
   * An approved request reads "already approved" whether it runs, ran or was interrupted since; an
   * expired one reads the same whether the sweep or the click found it out.
   */
  private static final Set<RequestState> SAME_AS_ANOTHER =
      Set.of(
          RequestState.RUNNING, RequestState.DONE, RequestState.INTERRUPTED, RequestState.EXPIRED);

  @Test
  void everyRefusalIsOneConsistentSentenceOfItsOwn() {
    List<Refusal> refusals = new ArrayList<>(Samples.all(Refusal.class));
    for (RequestState state : RequestState.values()) {
      if (state != RequestState.PENDING) { // the sample already holds a pending one
        refusals.add(new Refusal.AlreadyDecided(decidedInto(state)));
      }
    }
    assertThat(refusals.stream().map(r -> r.getClass()).distinct())
        .hasSize(Refusal.class.getPermittedSubclasses().length);

    Set<String> seen = new HashSet<>();
    for (Refusal r : refusals) {
      String text = Refusals.text(r, x -> null);
      assertThat(text).as(r.toString()).matches(SENTENCES).doesNotContain("..", "  ");
      assertThat(Refusals.answer(r, x -> null)).startsWith(":no_entry: ");
      if (!(r instanceof Refusal.AlreadyDecided a)
          || !SAME_AS_ANOTHER.contains(a.request().state())) {
        assertThat(seen.add(text)).as("%s reads like another refusal: %s", r, text).isTrue();
      }
    }
  }

  @Test
  void aTargetHeldByARequestThisVersionCannotReadNamesThatRequest() {
    Target target = new Target(WorkloadKind.DEPLOYMENT, "payments", "payments-api");

    assertThat(Refusals.answer(new Refusal.HeldByUnreadable(target, "k3xfuture"), x -> null))
        .isEqualTo(
            ":no_entry: `deployment/payments-api` in `payments` is held by request `k3xfuture`,"
                + " which this version of the bot cannot read (a newer version may have written"
                + " it). Wait for it to finish, or ask whoever runs the bot to look at it.");
  }

  @Test
  void everyPolicyRefusalNamesTheTargetTheSameWay() {
    for (PolicyRefusal p : Samples.all(PolicyRefusal.class)) {
      String text = Refusals.policy(p);
      assertThat(text).as(p.toString()).matches(SENTENCES);
      if (p.toString().contains("target=")) {
        assertThat(text).containsPattern("`deployment/target-\\d+` in `ns`");
      }
    }
  }

  @Test
  void everyStateHasItsOwnLineOnTheApprovalMessage() {
    Set<String> seen = new HashSet<>();
    for (RequestState state : RequestState.values()) {
      String line = Messages.stateLine(decidedInto(state));
      assertThat(seen.add(line.replaceAll("`\\w+`", ""))).as(state + ": " + line).isTrue();
    }
  }

  @Test
  void everyStepOfTheAuditTrailHasItsOwnLineInTheAuditChannel() {
    AuditChannel channel =
        new AuditChannel(null, new OrderedDelivery(Runnable::run), auditChannel("C0AUDIT"));
    Set<String> notSteps =
        Set.of("TargetStarted", "TargetPatched", "TargetProgress"); // progress, not steps
    java.util.Map<String, String> firstLine = new java.util.HashMap<>();
    List<RequestEvent> events = Samples.all(RequestEvent.class);
    // Every event has a method of its own in the visitor, so every subscriber handles it.
    assertThat(events.stream().map(e -> e.getClass()).distinct())
        .hasSize(RequestEvent.Visitor.class.getDeclaredMethods().length);
    for (RequestEvent e : events) {
      Optional<String> line = channel.line(e);
      String name = e.getClass().getSimpleName();
      if (notSteps.contains(name)) {
        assertThat(line).as(name).isEmpty();
        continue;
      }
      assertThat(line).as(name).isPresent();
      firstLine.putIfAbsent(name, line.get().replaceAll("value-\\d+|target-\\d+", ""));
    }
    assertThat(new HashSet<>(firstLine.values()))
        .as("each step reads differently: %s", firstLine)
        .hasSize(firstLine.size());
  }

  private static RestartRequest decidedInto(RequestState state) {
    RequestBuilder b = RequestBuilder.request().targets(T).message("1.1");
    return switch (state) {
      case PENDING -> b.build();
      case EXPIRED, OUTDATED, ABANDONED -> b.state(state).build();
      default -> b.decided(state, "U0LEAD", "bob", RequestBuilder.T0).build();
    };
  }

  /** A line without what varies between two samples of one type (numbers, durations). */
  private static String shape(String line) {
    return line.replaceAll("value-\\d+", "").replaceAll("\\d", "");
  }

  private static AuditConfig auditChannel(String id) {
    return () -> Optional.of(id);
  }
}
