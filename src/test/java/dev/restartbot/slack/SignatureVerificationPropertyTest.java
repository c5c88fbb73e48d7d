package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.RequestHeaders;
import com.slack.api.bolt.response.Response;
import com.slack.api.bolt.util.SlackRequestParser;
import dev.restartbot.testing.HostileInput;
import dev.restartbot.testing.SlackRequests;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Request verification under generated requests: a request signed with the secret within the time
 * window passes however its header names are spelled; change one thing in its body, timestamp or
 * signature and it is refused before any handler sees it.
 */
class SignatureVerificationPropertyTest {

  private static final long NOW = 1_760_000_000L;
  private static final String SECRET = SlackRequests.SIGNING_SECRET;

  private final SignatureVerification verification =
      new SignatureVerification(SECRET, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
  private final SlackRequestParser parser =
      new SlackRequestParser(AppConfig.builder().signingSecret(SECRET).build());

  /** Where a one-character change goes, and what it is. */
  record Mutation(int position, char character, int kind) {}

  @Property(tries = 10_000)
  void aSignedRequestPassesWhateverTheCaseOfItsHeaderNames(
      @ForAll("bodies") String body,
      @ForAll @IntRange(min = -300, max = 300) int skew,
      @ForAll("headerCases") List<Boolean> upper) {
    String timestamp = Long.toString(NOW + skew);
    Map<String, List<String>> headers =
        Map.of(
            spell("X-Slack-Request-Timestamp", upper, 0),
            List.of(timestamp),
            spell("X-Slack-Signature", upper, 25),
            List.of(SlackRequests.sign(SECRET, NOW + skew, body)),
            spell("Content-Type", upper, 42),
            List.of("application/x-www-form-urlencoded"));

    assertThat(reachesTheHandler(body, headers)).isTrue();
  }

  @Property(tries = 10_000)
  void everyChangeToTheBodyIsRefused(
      @ForAll("bodies") String body, @ForAll("mutations") Mutation mutation) {
    String signature = SlackRequests.sign(SECRET, NOW, body);
    String changed = mutate(body, mutation);
    if (changed.equals(body)) {
      return;
    }

    assertThat(verification.isValid(Long.toString(NOW), signature, changed)).isFalse();
    assertThat(reachesTheHandler(changed, signed(Long.toString(NOW), signature))).isFalse();
  }

  @Property(tries = 10_000)
  void everyChangeToTheTimestampIsRefused(
      @ForAll("bodies") String body, @ForAll("timestampChanges") String change) {
    String timestamp = Long.toString(NOW);
    String signature = SlackRequests.sign(SECRET, NOW, body);
    String changed = applyTimestampChange(timestamp, change);

    assertThat(changed).isNotEqualTo(timestamp);
    assertThat(verification.isValid(changed, signature, body)).isFalse();
    assertThat(reachesTheHandler(body, signed(changed, signature))).isFalse();
  }

  @Property(tries = 10_000)
  void everyChangeToTheSignatureIsRefused(
      @ForAll("bodies") String body, @ForAll("mutations") Mutation mutation) {
    String timestamp = Long.toString(NOW);
    String signature = SlackRequests.sign(SECRET, NOW, body);
    String changed = mutate(signature, mutation);
    if (changed.equals(signature)) {
      return;
    }

    assertThat(verification.isValid(timestamp, changed, body)).isFalse();
    assertThat(reachesTheHandler(body, signed(timestamp, changed))).isFalse();
  }

  @Property(tries = 2_000)
  void aSignatureMadeWithAnotherSecretOrOutsideTheWindowIsRefused(
      @ForAll("bodies") String body,
      @ForAll("otherSecrets") String otherSecret,
      @ForAll @IntRange(min = 301, max = 100_000) int age,
      @ForAll boolean future) {
    String timestamp = Long.toString(NOW);
    assertThat(verification.isValid(timestamp, SlackRequests.sign(otherSecret, NOW, body), body))
        .isFalse();

    long outside = future ? NOW + age : NOW - age;
    assertThat(
            verification.isValid(
                Long.toString(outside), SlackRequests.sign(SECRET, outside, body), body))
        .isFalse();
  }

  /** Runs the middleware as the app does; answers whether the request got past it. */
  private boolean reachesTheHandler(String body, Map<String, List<String>> headers) {
    SlackRequestParser.HttpRequest raw =
        SlackRequestParser.HttpRequest.builder()
            .requestUri(SlackRequests.EVENTS_PATH)
            .queryString(Map.of())
            .headers(new RequestHeaders(headers))
            .requestBody(body)
            .build();
    Request<?> request;
    try {
      request = parser.parse(raw);
    } catch (RuntimeException e) {
      // A body Bolt cannot read (broken JSON in payload=): the resource treats it as unparsed.
      request = null;
    }
    if (request == null) {
      // Not a Slack request at all; the resource checks these with isValid (as above).
      return verification.isValid(
          raw.getHeaders().getFirstValue("x-slack-request-timestamp"),
          raw.getHeaders().getFirstValue("x-slack-signature"),
          body);
    }
    AtomicBoolean reached = new AtomicBoolean();
    Response response;
    try {
      response =
          verification.apply(
              request,
              Response.builder().build(),
              next -> {
                reached.set(true);
                return Response.ok();
              });
    } catch (Exception e) {
      throw new AssertionError("the middleware threw", e);
    }
    assertThat(response.getStatusCode()).isEqualTo(reached.get() ? 200 : 401);
    return reached.get();
  }

  private static Map<String, List<String>> signed(String timestamp, String signature) {
    return Map.of(
        "X-Slack-Request-Timestamp", List.of(timestamp),
        "X-Slack-Signature", List.of(signature),
        "Content-Type", List.of("application/x-www-form-urlencoded"));
  }

  private static String spell(String name, List<Boolean> upper, int offset) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      String ch = name.substring(i, i + 1);
      out.append(
          upper.get((offset + i) % upper.size())
              ? ch.toUpperCase(Locale.ROOT)
              : ch.toLowerCase(Locale.ROOT));
    }
    return out.toString();
  }

  /** Replaces, inserts or deletes one character. */
  private static String mutate(String text, Mutation m) {
    int at = text.isEmpty() ? 0 : Math.floorMod(m.position(), text.length());
    return switch (m.kind()) {
      case 0 ->
          text.isEmpty()
              ? String.valueOf(m.character())
              : text.substring(0, at) + m.character() + text.substring(at + 1);
      case 1 -> text.substring(0, at) + m.character() + text.substring(at);
      default -> text.isEmpty() ? "x" : text.substring(0, at) + text.substring(at + 1);
    };
  }

  private static String applyTimestampChange(String timestamp, String change) {
    if (change.startsWith("delta:")) {
      long delta = Long.parseLong(change.substring("delta:".length()));
      return Long.toString(Long.parseLong(timestamp) + delta);
    }
    return switch (change) {
      case "lead-zero" -> "0" + timestamp;
      case "plus-sign" -> "+" + timestamp;
      case "leading-space" -> " " + timestamp;
      case "decimal" -> timestamp + ".0";
      case "millis" -> timestamp + "000";
      case "drop-last" -> timestamp.substring(0, timestamp.length() - 1);
      default -> change;
    };
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<String> slashCommands =
        HostileInput.commandText()
            .map(
                text ->
                    SlackRequests.slashCommandBody(
                        "U0REQ", "C0OPS", text, "http://127.0.0.1:9/response/x"));
    Arbitrary<String> clicks =
        Combinators.combine(
                Arbitraries.of("restart_approve", "restart_deny", "other"),
                Arbitraries.strings().all().ofMaxLength(40))
            .as(
                (action, value) ->
                    SlackRequests.blockActionBody(
                        "U0LEAD", "C0OPS", "1.2", action, value, "http://127.0.0.1:9/r"));
    return Arbitraries.oneOf(slashCommands, slashCommands, clicks);
  }

  @Provide
  Arbitrary<List<Boolean>> headerCases() {
    return Arbitraries.of(true, false).list().ofMinSize(1).ofMaxSize(64);
  }

  @Provide
  Arbitrary<Mutation> mutations() {
    Arbitrary<Character> character =
        Arbitraries.oneOf(
            Arbitraries.chars().with("0123456789abcdef=v&%+"), Arbitraries.chars().all());
    return Combinators.combine(
            Arbitraries.integers().between(0, 100_000),
            character,
            Arbitraries.integers().between(0, 2))
        .as(Mutation::new);
  }

  @Provide
  Arbitrary<String> timestampChanges() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(1, 300).map(d -> "delta:" + d),
        Arbitraries.longs().between(-300, -1).map(d -> "delta:" + d),
        Arbitraries.of(
            "lead-zero", "plus-sign", "leading-space", "decimal", "millis", "drop-last", "", "x"),
        Arbitraries.strings()
            .all()
            .ofMaxLength(12)
            .filter(s -> !s.equals(Long.toString(NOW)) && !s.startsWith("delta:")));
  }

  @Provide
  Arbitrary<String> otherSecrets() {
    return Arbitraries.strings()
        .all()
        .ofMinLength(1)
        .ofMaxLength(64)
        .filter(s -> !s.equals(SECRET));
  }
}
