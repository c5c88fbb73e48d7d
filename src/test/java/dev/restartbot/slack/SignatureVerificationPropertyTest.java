package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.RequestHeaders;
import com.slack.api.bolt.response.Response;
import com.slack.api.bolt.util.SlackRequestParser;
import dev.restartbot.testing.HostileInput;
import dev.restartbot.testing.HostileInput.Seed;
import dev.restartbot.testing.SlackRequests;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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

  /**
   * A body signed {@code skew} seconds off our clock, its header names spelled by {@code upper}.
   */
  record Signed(String body, int skew, List<Boolean> upper) {}

  /** A body and a change to the timestamp it is signed with. */
  record Changed(String body, String change) {}

  /** A body and a one-character change, to it or to its signature. */
  record Mutated(String body, Mutation mutation) {}

  /** A body signed with another secret, and a signing time outside the window. */
  record Stale(String body, String otherSecret, int age, boolean future) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void aSignedRequestPassesWhateverTheCaseOfItsHeaderNames(Seed seed) {
    seed.forEachCase(
        10_000,
        random ->
            new Signed(
                body(random),
                HostileInput.integer(random, -300, 300),
                HostileInput.listOf(random, 1, 64, Random::nextBoolean)),
        signed -> {
          long at = NOW + signed.skew();
          Map<String, List<String>> headers =
              Map.of(
                  spell("X-Slack-Request-Timestamp", signed.upper(), 0),
                  List.of(Long.toString(at)),
                  spell("X-Slack-Signature", signed.upper(), 25),
                  List.of(SlackRequests.sign(SECRET, at, signed.body())),
                  spell("Content-Type", signed.upper(), 42),
                  List.of("application/x-www-form-urlencoded"));

          assertThat(reachesTheHandler(signed.body(), headers)).isTrue();
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void everyChangeToTheBodyIsRefused(Seed seed) {
    seed.forEachCase(
        10_000,
        random -> new Mutated(body(random), mutation(random)),
        mutated -> {
          String body = mutated.body();
          String signature = SlackRequests.sign(SECRET, NOW, body);
          String changed = mutate(body, mutated.mutation());
          if (changed.equals(body)) {
            return;
          }

          assertThat(verification.isValid(Long.toString(NOW), signature, changed)).isFalse();
          assertThat(reachesTheHandler(changed, signed(Long.toString(NOW), signature))).isFalse();
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void everyChangeToTheTimestampIsRefused(Seed seed) {
    seed.forEachCase(
        10_000,
        random -> new Changed(body(random), timestampChange(random)),
        change -> {
          String timestamp = Long.toString(NOW);
          String signature = SlackRequests.sign(SECRET, NOW, change.body());
          String changed = applyTimestampChange(timestamp, change.change());

          assertThat(changed).isNotEqualTo(timestamp);
          assertThat(verification.isValid(changed, signature, change.body())).isFalse();
          assertThat(reachesTheHandler(change.body(), signed(changed, signature))).isFalse();
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void everyChangeToTheSignatureIsRefused(Seed seed) {
    seed.forEachCase(
        10_000,
        random -> new Mutated(body(random), mutation(random)),
        mutated -> {
          String timestamp = Long.toString(NOW);
          String signature = SlackRequests.sign(SECRET, NOW, mutated.body());
          String changed = mutate(signature, mutated.mutation());
          if (changed.equals(signature)) {
            return;
          }

          assertThat(verification.isValid(timestamp, changed, mutated.body())).isFalse();
          assertThat(reachesTheHandler(mutated.body(), signed(timestamp, changed))).isFalse();
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void aSignatureMadeWithAnotherSecretOrOutsideTheWindowIsRefused(Seed seed) {
    seed.forEachCase(
        2_000,
        random ->
            new Stale(
                body(random),
                otherSecret(random),
                HostileInput.integer(random, 301, 100_000),
                random.nextBoolean()),
        stale -> {
          String body = stale.body();
          String timestamp = Long.toString(NOW);
          assertThat(
                  verification.isValid(
                      timestamp, SlackRequests.sign(stale.otherSecret(), NOW, body), body))
              .isFalse();

          long outside = stale.future() ? NOW + stale.age() : NOW - stale.age();
          assertThat(
                  verification.isValid(
                      Long.toString(outside), SlackRequests.sign(SECRET, outside, body), body))
              .isFalse();
        });
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

  /** A signed slash command (two in three) or button click, with generated text in it. */
  private static String body(Random random) {
    if (random.nextInt(3) < 2) {
      return SlackRequests.slashCommandBody(
          "U0REQ", "C0OPS", HostileInput.commandText(random), "http://127.0.0.1:9/response/x");
    }
    return SlackRequests.blockActionBody(
        "U0LEAD",
        "C0OPS",
        "1.2",
        HostileInput.pick(random, "restart_approve", "restart_deny", "other"),
        HostileInput.anyString(random, 0, 40),
        "http://127.0.0.1:9/r");
  }

  private static Mutation mutation(Random random) {
    int position = HostileInput.integer(random, 0, 100_000);
    char character =
        random.nextBoolean()
            ? HostileInput.oneCharOf(random, "0123456789abcdef=v&%+")
            : HostileInput.anyChar(random);
    return new Mutation(position, character, random.nextInt(3));
  }

  private static String timestampChange(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> "delta:" + HostileInput.integer(random, 1, 300);
      case 1 -> "delta:" + HostileInput.integer(random, -300, -1);
      case 2 ->
          HostileInput.pick(
              random,
              "lead-zero",
              "plus-sign",
              "leading-space",
              "decimal",
              "millis",
              "drop-last",
              "",
              "x");
      default -> {
        String any;
        do {
          any = HostileInput.anyString(random, 0, 12);
        } while (any.equals(Long.toString(NOW)) || any.startsWith("delta:"));
        yield any;
      }
    };
  }

  private static String otherSecret(Random random) {
    String secret;
    do {
      secret = HostileInput.anyString(random, 1, 64);
    } while (secret.equals(SECRET));
    return secret;
  }
}
