package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.slack.Command;
import dev.restartbot.slack.CommandParser;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.HostileInput;
import dev.restartbot.testing.SlackRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Thousands of generated commands, clicks and bodies, signed as Slack signs them, through the real
 * app: never a 5xx, invalid commands answer the usage to the sender alone, and nothing reaches the
 * API server as a PATCH. Cases come from {@link HostileInput} with a seed that each test prints and
 * every failure names ({@code -Drestartbot.seed=} replays a run).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class AbuseTest {

  private static final Logger LOG = Logger.getLogger(AbuseTest.class);
  static final int COMMANDS = 3_000;
  static final int CLICKS = 1_500;
  static final int BODIES = 1_000;
  static final int SELECTOR_COMMANDS = 600;
  static final int HEADER_SPELLINGS = 200;
  private static final String USAGE = "[kind/]name… [-n|--namespace NS]";

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private long seed;
  private Random random;
  private final CommandParser parser = new CommandParser("test", 20);
  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;

  @BeforeEach
  void setUp(TestInfo test) throws InterruptedException {
    HostileInput.Seed drawn = HostileInput.Seed.forTest(test);
    seed = drawn.value();
    random = drawn.random();
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
  }

  @Test
  void generatedCommandsNeverPatchAndInvalidOnesAnswerTheUsageToTheSenderAlone() throws Exception {
    flow.seedDeployment("payments-abuse");
    AtomicInteger invalid = new AtomicInteger();
    long started = System.nanoTime();

    for (int i = 0; i < COMMANDS; i++) {
      String text = HostileInput.commandText(random);
      Response ack = flow.command(REQUESTER, OPS, text);

      String context = describe(i, text);
      assertThat(ack.statusCode()).as(context).isEqualTo(200);
      String answer = ack.asString();
      // A bare ack body is shown to the sender alone; only "in_channel" would show it to all.
      assertThat(answer).as(context).doesNotContain("in_channel");
      // Nothing after the command opens the modal instead (DESIGN.md §7.6).
      if (!text.isBlank() && parser.parse(text) instanceof Command.Invalid) {
        invalid.incrementAndGet();
        assertThat(answer).as(context).contains(USAGE);
      }
    }

    LOG.infof(
        "%d generated commands (%d invalid) in %d ms, seed %d",
        COMMANDS, invalid.get(), (System.nanoTime() - started) / 1_000_000, seed);
    assertThat(invalid.get()).as("a meaningful share is invalid").isGreaterThan(COMMANDS / 2);
    assertNothingPatchedAndStillServing();
  }

  @Test
  void generatedSelectorCommandsNeverPatchAndBadSelectorsAnswerTheUsageToTheSenderAlone()
      throws Exception {
    flow.seedDeployment("payments-abuse-l");
    AtomicInteger invalid = new AtomicInteger();

    for (int i = 0; i < SELECTOR_COMMANDS; i++) {
      String text = selectorCommand();
      Response ack = flow.command(REQUESTER, OPS, text);

      String context = describe(i, text);
      assertThat(ack.statusCode()).as(context).isEqualTo(200);
      assertThat(ack.asString()).as(context).doesNotContain("in_channel");
      if (parser.parse(text) instanceof Command.Invalid) {
        invalid.incrementAndGet();
        assertThat(ack.asString()).as(context).contains(USAGE);
      }
    }

    assertThat(invalid.get())
        .as("a meaningful share is invalid")
        .isGreaterThan(SELECTOR_COMMANDS / 4);
    assertThat(invalid.get())
        .as("a meaningful share is valid")
        .isLessThan(SELECTOR_COMMANDS * 9 / 10);
    assertNothingPatchedAndStillServing();
  }

  /** {@code -l} with a selector that is valid, nearly valid, or anything, among kinds and flags. */
  private String selectorCommand() {
    String selector =
        switch (random.nextInt(4)) {
          case 0 ->
              pick("app=payments-abuse-l", "!canary", "tier in (web,api)", "env!=prod,app", "a==b");
          case 1 ->
              pick("app=", "app in ()", "app in (a", "-app=x", "a>1", "a b", "in", "app=<@U0LEAD>")
                  + pick("", ",", ",b", " ", "\u202e");
          case 2 -> garbage(40);
          default -> "x=" + "y".repeat(random.nextInt(70));
        };
    String flag =
        pick("-l ", "--selector ", "-l=", "--selector=")
            + (random.nextBoolean() ? "\"" + selector + "\"" : "'" + selector + "'");
    return pick("", "deploy ", "sts ds ", "payments-api ", "pods ")
        + flag
        + pick("", " -n test", " --reason \"abuse\"", " -l app=x");
  }

  @Test
  void generatedClicksOnARealRequestNeverPatchAndLeaveItPending() throws Exception {
    flow.seedDeployment("payments-abuse-click");
    RestartRequest pending =
        flow.requested(REQUESTER, "payments-abuse-click", "payments-abuse-click");
    long started = System.nanoTime();

    for (int i = 0; i < CLICKS; i++) {
      String action = pick("restart_approve", "restart_deny", "restart_approve", "other_action");
      String value;
      String user;
      switch (random.nextInt(4)) {
        case 0 -> {
          // The real request, by someone who may not decide it.
          value = pending.id();
          user = action.equals("restart_approve") && random.nextBoolean() ? REQUESTER : stranger();
        }
        case 1 -> {
          // An approver, but never the real id: near misses and garbage.
          value = mutate(pending.id());
          user = pick(LEAD, SlackFlowHarness.LEAD2);
        }
        default -> {
          value = garbage(40);
          user = stranger();
        }
      }
      String body =
          SlackRequests.blockActionBody(
              user,
              random.nextInt(5) == 0 ? garbage(40) : OPS,
              random.nextInt(5) == 0 ? garbage(40) : "1.2",
              action,
              value,
              slack.responseUrl("abuse"));
      Response ack = SlackRequests.post(body);

      assertThat(ack.statusCode())
          .as(describe(i, action + " " + user + " " + value))
          .isLessThan(500);
    }
    awaitQuiet();

    LOG.infof(
        "%d generated clicks in %d ms, seed %d",
        CLICKS, (System.nanoTime() - started) / 1_000_000, seed);
    assertThat(store.find(pending.id()).orElseThrow().state())
        .as("seed %d", seed)
        .isEqualTo(RequestState.PENDING);
    assertThat(kube.allPatches()).as("seed %d", seed).isEmpty();

    // The same request still works for the one who may approve it: the PATCH count sees patches.
    flow.click(LEAD, pending, "restart_approve").then().statusCode(200);
    flow.awaitState(pending.id(), RequestState.DONE);
    assertThat(kube.patches("deployments", "payments-abuse-click")).isNotEmpty();
  }

  @Test
  void aSignedClickWithoutAUserIsAcknowledgedAndAsksSlackNothing() throws Exception {
    String click =
        SlackRequests.blockActionBody(
            LEAD, OPS, "1.2", "restart_approve", "nosuchrequest", slack.responseUrl("nouser"));
    String json =
        java.net.URLDecoder.decode(click.substring("payload=".length()), StandardCharsets.UTF_8);
    // A user without an id: Bolt parses it, and nobody can be looked up for it.
    String withoutUser = json.replaceFirst("\"user\":", "\"user\":{},\"gone\":");
    assertThat(withoutUser).isNotEqualTo(json);
    slack.reset();

    SlackRequests.post("payload=" + encode(withoutUser)).then().statusCode(200);

    awaitQuiet();
    assertThat(slack.calls("users.info")).isEmpty();
    assertThat(slack.calls("chat.postEphemeral")).isEmpty();
  }

  @Test
  void signedGarbageBodiesAnswer4xxNeverA5xx() throws Exception {
    String click =
        SlackRequests.blockActionBody(
            LEAD, OPS, "1.2", "restart_approve", "nosuchrequest", slack.responseUrl("abuse"));
    String json =
        java.net.URLDecoder.decode(click.substring("payload=".length()), StandardCharsets.UTF_8);
    long started = System.nanoTime();

    for (int i = 0; i < BODIES; i++) {
      String body =
          switch (random.nextInt(6)) {
            case 0 -> garbage(400);
            case 1 -> "payload=" + encode(garbage(400));
            case 2 -> "payload=" + encode(json.substring(0, random.nextInt(json.length())));
            case 3 ->
                "payload="
                    + encode(
                        json.replaceFirst(
                            "\""
                                + pick("user", "actions", "channel", "container", "team", "type")
                                + "\":",
                            "\"ignored\":null,\""
                                + pick("user", "actions", "channel", "x")
                                + "\":"
                                + pick("null", "[]", "{}", "1", "\"x\"")
                                + ",\"gone\":"));
            case 4 ->
                "command=%2Frestart&text="
                    + encode(garbage(400))
                    + (random.nextBoolean() ? "" : "&user_id=&channel_id=");
            default ->
                "{\"type\":\""
                    + pick("event_callback", "url_verification", "view_submission", "x")
                    + "\",\"challenge\":"
                    + pick("1", "null", "\"c\"")
                    + "}";
          };
      Response answer = SlackRequests.post(body);

      assertThat(answer.statusCode()).as(describe(i, body)).isLessThan(500);
    }
    awaitQuiet();

    LOG.infof(
        "%d signed garbage bodies in %d ms, seed %d",
        BODIES, (System.nanoTime() - started) / 1_000_000, seed);
    assertNothingPatchedAndStillServing();
  }

  @Test
  void headerNamesInAnyCaseAreVerifiedTheSame() {
    for (int i = 0; i < HEADER_SPELLINGS; i++) {
      String body =
          SlackRequests.slashCommandBody(REQUESTER, OPS, "help", slack.responseUrl("abuse"));
      Response ack =
          SlackRequests.postWithHeaderNames(
              body, randomCase("X-Slack-Request-Timestamp"), randomCase("X-Slack-Signature"));

      assertThat(ack.statusCode()).as("seed %d, case %d", seed, i).isEqualTo(200);
      assertThat(ack.asString()).contains(USAGE);
    }
  }

  private void assertNothingPatchedAndStillServing() throws InterruptedException {
    assertThat(kube.allPatches()).as("seed %d", seed).isEmpty();
    RestAssured.given().get("/q/health/live").then().statusCode(200);
    RestAssured.given().get("/q/health/ready").then().statusCode(200);
    assertThat(flow.command(REQUESTER, OPS, "help").asString()).contains(USAGE);
  }

  /** Waits until the clicks' background work (refusals to the clickers) has stopped arriving. */
  private void awaitQuiet() {
    int[] last = {-1};
    await()
        .atMost(WAIT.multipliedBy(3))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              int now = slack.calls().size();
              boolean quiet = now == last[0];
              last[0] = now;
              return quiet;
            });
  }

  private String describe(int index, String input) {
    String shown = input.length() > 300 ? input.substring(0, 300) + "…" : input;
    return "seed " + seed + ", case " + index + ": " + escape(shown);
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints()
        .forEach(
            cp ->
                out.append(
                    cp >= 0x20 && cp < 0x7f
                        ? Character.toString(cp)
                        : String.format(Locale.ROOT, "\\u%04X", cp)));
    return out.toString();
  }

  /** Any string up to {@code max} characters long. */
  private String garbage(int max) {
    return HostileInput.anyString(random, 0, max);
  }

  /** Someone who may not decide: a made-up user id, a near miss of an approver's, or garbage. */
  private String stranger() {
    return switch (random.nextInt(3)) {
      case 0 -> "U" + HostileInput.stringOf(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 9, 9);
      case 1 -> pick("", "U0LEAD ", "u0lead", "U0LEAD\u0000", "USLACKBOT", "W0LEAD");
      default -> garbage(40);
    };
  }

  private String mutate(String id) {
    StringBuilder out = new StringBuilder(id);
    int at = random.nextInt(out.length());
    return switch (random.nextInt(4)) {
      case 0 -> out.deleteCharAt(at).toString();
      case 1 -> out.insert(at, (char) ('a' + random.nextInt(26))).toString();
      case 2 -> id.toUpperCase(Locale.ROOT);
      default -> id + " ";
    };
  }

  private String randomCase(String name) {
    StringBuilder out = new StringBuilder();
    for (char c : name.toCharArray()) {
      out.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return out.toString();
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
