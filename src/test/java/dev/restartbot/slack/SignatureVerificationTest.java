package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SignatureVerificationTest {

  private static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  private static final long NOW = 1_531_420_618L;
  private static final String BODY =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  private static final String SLACK_EXAMPLE =
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

  private static SignatureVerification at(long epochSecond) {
    return new SignatureVerification(
        SECRET, Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
  }

  @Test
  void acceptsSlacksDocumentedExample() {
    assertThat(at(NOW).sign(String.valueOf(NOW), BODY)).isEqualTo(SLACK_EXAMPLE);
    assertThat(at(NOW).isValid(String.valueOf(NOW), SLACK_EXAMPLE, BODY)).isTrue();
  }

  @Test
  void rejectsATamperedBody() {
    assertThat(at(NOW).isValid(String.valueOf(NOW), SLACK_EXAMPLE, BODY + "x")).isFalse();
  }

  @Test
  void rejectsATamperedSignatureOrTimestamp() {
    assertThat(at(NOW).isValid(String.valueOf(NOW), SLACK_EXAMPLE.replace('a', 'b'), BODY))
        .isFalse();
    assertThat(at(NOW).isValid(String.valueOf(NOW + 1), SLACK_EXAMPLE, BODY)).isFalse();
  }

  @Test
  void rejectsRequestsOlderThanFiveMinutes() {
    assertThat(at(NOW + 301).isValid(String.valueOf(NOW), SLACK_EXAMPLE, BODY)).isFalse();
    assertThat(at(NOW + 299).isValid(String.valueOf(NOW), SLACK_EXAMPLE, BODY)).isTrue();
  }

  @Test
  void rejectsRequestsFromMoreThanFiveMinutesInTheFuture() {
    assertThat(at(NOW - 301).isValid(String.valueOf(NOW), SLACK_EXAMPLE, BODY)).isFalse();
    assertThat(at(NOW - 299).isValid(String.valueOf(NOW), SLACK_EXAMPLE, BODY)).isTrue();
  }

  @Test
  void rejectsMissingOrMalformedHeaders() {
    assertThat(at(NOW).isValid(null, SLACK_EXAMPLE, BODY)).isFalse();
    assertThat(at(NOW).isValid(String.valueOf(NOW), null, BODY)).isFalse();
    assertThat(at(NOW).isValid("yesterday", SLACK_EXAMPLE, BODY)).isFalse();
    assertThat(at(NOW).isValid(String.valueOf(NOW), "", BODY)).isFalse();
  }

  @Test
  void hashesNonAsciiBodiesAsUtf8WhateverThePlatformCharset() {
    String body = "text=red%C3%A9marrage&reason=caf\u00e9";
    String signature = at(NOW).sign(String.valueOf(NOW), body);
    assertThat(signature)
        .isEqualTo(
            "v0="
                + java.util.HexFormat.of()
                    .formatHex(
                        hmac(
                            ("v0:" + NOW + ":" + body)
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
  }

  @Test
  void withoutASecretNothingIsValid() {
    SignatureVerification none =
        new SignatureVerification("", Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
    assertThat(none.isValid(String.valueOf(NOW), at(NOW).sign(String.valueOf(NOW), BODY), BODY))
        .isFalse();
  }

  private static byte[] hmac(byte[] data) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(
          new javax.crypto.spec.SecretKeySpec(
              SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(data);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
