package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.Gson;
import com.slack.api.model.block.LayoutBlock;
import dev.restartbot.audit.AuditConfig;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.WorkloadSnapshot;
import dev.restartbot.testing.HostileInput;
import dev.restartbot.testing.RequestBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What people and workloads chose (a reason, image names, a restartedAt annotation) shows as they
 * wrote it: on the approval card, in the audit channel, never as mrkdwn. A bare URL, {@code
 * #channel}, {@code @here}, {@code <!channel>}, {@code *_~} or a backtick cannot restyle what
 * approvers read, link elsewhere, or notify anyone.
 *
 * <p>The checks model what Slack does with mrkdwn: outside code spans every character may be
 * formatting, so the text there must not depend on the user's input at all; inside a code span
 * nothing is formatted, so the user's text may stand there, escaped, as long as it cannot end the
 * span.
 */
class UserTextRenderingTest {

  private static final Target API = new Target(WorkloadKind.DEPLOYMENT, "payments", "api");
  private static final Target WEB = new Target(WorkloadKind.DEPLOYMENT, "payments", "web");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LONE_AMPERSAND = Pattern.compile("&(?!amp;|lt;|gt;)");
  private static final int CASES = 300;

  private static final List<String> FIXED =
      List.of(
          "see https://evil.example/login now",
          "ask in #general or @here",
          "<!channel> please approve",
          "*approved by security* _urgent_ ~ignore~",
          "`kubectl delete ns payments`",
          "x` *bold* `y",
          "```block``` and ` alone",
          "<https://evil.example|the runbook>",
          "&lt;!here&gt; &amp; friends",
          ":rotating_light: > quoted");

  private static RestartRequest request(String reason) {
    return RequestBuilder.request().id("r1").targets(API, WEB).reason(reason).build();
  }

  private static List<WorkloadSnapshot> snapshots(List<String> images, String restartedAt) {
    return List.of(
        new WorkloadSnapshot(API, 3, 3, images, Optional.ofNullable(restartedAt), false),
        new WorkloadSnapshot(WEB, 2, 2, List.of("web:1"), Optional.empty(), false));
  }

  // ---- the approval card

  @Test
  void hostileReasonsShowVerbatimOnTheApprovalCard() {
    for (String reason : FIXED) {
      reasonShowsVerbatimOnTheCard(reason);
    }
  }

  @ParameterizedTest
  @MethodSource(HostileInput.SEED)
  void anyReasonShowsVerbatimOnTheApprovalCard(HostileInput.Seed seed) {
    seed.forEachCase(CASES, HostileInput::mrkdwn, this::reasonShowsVerbatimOnTheCard);
  }

  private void reasonShowsVerbatimOnTheCard(String reason) {
    List<WorkloadSnapshot> now = snapshots(List.of("api:1"), null);
    cardShowsReasonVerbatim(
        ApprovalMessage.pending(request(reason), now),
        ApprovalMessage.pending(request("benign"), now),
        reason);
    cardShowsReasonVerbatim(
        ApprovalMessage.decided(denied(request(reason))),
        ApprovalMessage.decided(denied(request("benign"))),
        reason);
  }

  private static RestartRequest denied(RestartRequest r) {
    return RequestBuilder.from(r)
        .message("1.1")
        .decided(RequestState.DENIED, "U0LEAD", "bob", RequestBuilder.T0)
        .build();
  }

  private static void cardShowsReasonVerbatim(
      List<LayoutBlock> hostile, List<LayoutBlock> benign, String reason) {
    JsonNode tree = tree(hostile);
    // The reason stands in a plain_text object of its own, exactly as typed, emoji codes too...
    assertThat(texts(tree, "plain_text")).contains(reason);
    assertThat(plainTexts(tree, reason)).allMatch(t -> !t.path("emoji").asBoolean(true));
    // ...and no mrkdwn text changes with it.
    assertThat(texts(tree, "mrkdwn")).isEqualTo(texts(tree(benign), "mrkdwn"));
  }

  @Test
  void hostileImageNamesAndAnnotationsStayInsideCodeSpansTheyCannotClose() {
    List<String> images = new ArrayList<>(FIXED);
    imagesStayInTheirCodeSpans(images.subList(0, 5), FIXED.get(5));
    imagesStayInTheirCodeSpans(images.subList(5, 10), FIXED.get(2));
  }

  @ParameterizedTest
  @MethodSource(HostileInput.SEED)
  void anyImageNameStaysInsideItsCodeSpan(HostileInput.Seed seed) {
    seed.forEachCase(
        CASES,
        random -> List.of(HostileInput.mrkdwn(random), HostileInput.mrkdwn(random)),
        images -> imagesStayInTheirCodeSpans(images, images.get(0)));
  }

  private void imagesStayInTheirCodeSpans(List<String> images, String restartedAt) {
    RestartRequest r = request("why");
    List<String> hostile =
        texts(tree(ApprovalMessage.pending(r, snapshots(images, restartedAt))), "mrkdwn");
    List<String> benign =
        texts(
            tree(
                ApprovalMessage.pending(
                    r,
                    snapshots(images.stream().map(i -> "image").toList(), "2026-11-26T10:00:00Z"))),
            "mrkdwn");

    assertThat(hostile).hasSameSizeAs(benign);
    for (int i = 0; i < hostile.size(); i++) {
      // Text that is blank once stripped reads "(empty)", where a span would stand.
      assertThat(outsideCodeSpans(hostile.get(i).replace("(empty)", "`x`")))
          .as("what Slack may format in: %s", hostile.get(i))
          .isEqualTo(outsideCodeSpans(benign.get(i)));
    }
    String all = String.join("\n", hostile);
    for (String image : images) {
      assertShown(all, image);
    }
    assertShown(all, restartedAt);
  }

  @Test
  void everyMrkdwnTextOnTheCardIsTakenAsWrittenWithoutAutomaticLinks() {
    JsonNode tree = tree(ApprovalMessage.pending(request("why"), snapshots(List.of("a"), null)));

    List<JsonNode> mrkdwn = objects(tree, "mrkdwn");
    assertThat(mrkdwn).isNotEmpty().allMatch(t -> t.path("verbatim").asBoolean(false));
  }

  // ---- the audit channel

  @Test
  void hostileReasonsShowVerbatimInTheAuditChannel() {
    for (String reason : FIXED) {
      reasonShowsVerbatimInTheAuditLine(reason);
    }
  }

  @ParameterizedTest
  @MethodSource(HostileInput.SEED)
  void anyReasonShowsVerbatimInTheAuditChannel(HostileInput.Seed seed) {
    seed.forEachCase(CASES, HostileInput::mrkdwn, this::reasonShowsVerbatimInTheAuditLine);
  }

  private void reasonShowsVerbatimInTheAuditLine(String reason) {
    AuditChannel channel =
        new AuditChannel(
            null, new OrderedDelivery(Runnable::run), (AuditConfig) () -> Optional.of("C0AUDIT"));

    String hostile = channel.line(new RequestEvent.Submitted(request(reason))).orElseThrow();
    String benign = channel.line(new RequestEvent.Submitted(request("benign"))).orElseThrow();

    assertThat(outsideCodeSpans(hostile.replace("(empty)", "`benign`")))
        .isEqualTo(outsideCodeSpans(benign));
    assertShown(hostile, reason);
  }

  // ---- the helper itself

  @Test
  void verbatimKeepsEveryCharacterButTheOnesThatWouldEndItsSpan() {
    assertThat(Messages.verbatim("a `b` <!here> & *c*"))
        .isEqualTo("`a ˋbˋ &lt;!here&gt; &amp; *c*`");
    assertThat(Messages.verbatim("line\nbreak\t")).isEqualTo("`line break`");
    assertThat(Messages.verbatim("  ")).isEqualTo("(empty)");
  }

  @Test
  void aLongHostileReasonIsCutWithinSlacksLimitAndStillShownAsPlainText() {
    String reason = "*".repeat(2000) + "<!channel>".repeat(200);
    JsonNode tree = tree(ApprovalMessage.pending(request(reason), snapshots(List.of("a"), null)));

    List<String> plain = texts(tree, "plain_text");
    assertThat(plain).anyMatch(t -> t.startsWith("*".repeat(2000)) && t.length() <= 3000);
  }

  // ---- a model of mrkdwn

  /**
   * What a code span shows for {@code text}: Slack decodes the three entities in it and formats
   * nothing; the backtick stand-in and spaces for line breaks are what verbatim documents.
   */
  private static String shownAs(String text) {
    StringBuilder out = new StringBuilder();
    text.strip()
        .codePoints()
        .forEach(
            cp ->
                out.appendCodePoint(
                    cp == '`'
                        ? Messages.BACKTICK_STAND_IN
                        : Character.isISOControl(cp) ? ' ' : cp));
    String inside = out.toString().strip();
    return inside.isEmpty() ? "" : inside;
  }

  /** {@code text} is shown in a code span of {@code mrkdwn}, or as "(empty)" if nothing is left. */
  private static void assertShown(String mrkdwn, String text) {
    String shown = shownAs(text);
    if (shown.isEmpty()) {
      assertThat(mrkdwn).contains("(empty)");
    } else {
      assertThat(codeSpans(mrkdwn)).contains(shown);
    }
  }

  /** The text with each code span replaced by one marker: what Slack would format. */
  private static String outsideCodeSpans(String mrkdwn) {
    String[] parts = mrkdwn.split("`", -1);
    assertThat(parts.length % 2).as("balanced backticks in %s", mrkdwn).isEqualTo(1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      out.append(i % 2 == 0 ? parts[i] : "§");
    }
    return out.toString();
  }

  /** What each code span shows, its entities decoded; each is checked to be well escaped. */
  private static List<String> codeSpans(String mrkdwn) {
    String[] parts = mrkdwn.split("`", -1);
    List<String> spans = new ArrayList<>();
    for (int i = 1; i < parts.length; i += 2) {
      String raw = parts[i];
      assertThat(raw).as("a code span").doesNotContain("<", ">", "\n");
      assertThat(LONE_AMPERSAND.matcher(raw).find()).as("a lone & in " + raw).isFalse();
      spans.add(raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
    }
    return spans;
  }

  private static JsonNode tree(List<LayoutBlock> blocks) {
    try {
      return JSON.readTree(new Gson().toJson(blocks));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<JsonNode> objects(JsonNode node, String type) {
    List<JsonNode> out = new ArrayList<>();
    collect(node, type, out);
    return out;
  }

  private static void collect(JsonNode node, String type, List<JsonNode> out) {
    if (node.isObject() && type.equals(node.path("type").asText()) && node.has("text")) {
      out.add(node);
    }
    node.forEach(child -> collect(child, type, out));
  }

  private static List<String> texts(JsonNode tree, String type) {
    return objects(tree, type).stream().map(n -> n.path("text").asText()).toList();
  }

  private static List<JsonNode> plainTexts(JsonNode tree, String text) {
    return objects(tree, "plain_text").stream()
        .filter(n -> n.path("text").asText().equals(text))
        .toList();
  }
}
