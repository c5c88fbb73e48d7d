package dev.restartbot.slack;

import static com.slack.api.bolt.middleware.MiddlewareOps.isNoSlackSignatureRequest;

import com.slack.api.app_backend.SlackSignature;
import com.slack.api.bolt.middleware.Middleware;
import com.slack.api.bolt.middleware.MiddlewareChain;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.response.Response;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Bolt's request verification, made strict: it takes the place of Bolt's own middleware in the
 * chain because that one hashes with the platform charset (non-ASCII bodies fail without {@code
 * -Dfile.encoding=UTF-8}), lets timestamps from the future through, and compares signatures with
 * {@code equals}.
 */
@Singleton
class SignatureVerification implements Middleware {

  private static final Logger LOG = Logger.getLogger(SignatureVerification.class);
  static final long WINDOW_SECONDS = 5 * 60;

  private final byte[] secret;
  private final Clock clock;

  @Inject
  SignatureVerification(SlackSettings settings, Clock clock) {
    this(settings.signingSecret().orElse("").trim(), clock);
  }

  SignatureVerification(String signingSecret, Clock clock) {
    this.secret = signingSecret.getBytes(StandardCharsets.UTF_8);
    this.clock = clock;
  }

  @Override
  public Response apply(Request req, Response resp, MiddlewareChain chain) throws Exception {
    if (req.isSocketMode() || isNoSlackSignatureRequest(req.getRequestType())) {
      return chain.next(req);
    }
    String timestamp =
        req.getHeaders().getFirstValue(SlackSignature.HeaderNames.X_SLACK_REQUEST_TIMESTAMP);
    String signature = req.getHeaders().getFirstValue(SlackSignature.HeaderNames.X_SLACK_SIGNATURE);
    if (isValid(timestamp, signature, req.getRequestBodyAsString())) {
      return chain.next(req);
    }
    LOG.infof(
        "refused a request with a bad, stale or missing signature (timestamp %s)",
        printable(timestamp));
    return Response.json(401, "{\"error\":\"invalid request\"}");
  }

  boolean isValid(String timestamp, String signature, String body) {
    return body != null && isValid(timestamp, signature, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Checks the signature over exactly the bytes received, before anything reads them. */
  boolean isValid(String timestamp, String signature, byte[] body) {
    if (secret.length == 0 || timestamp == null || signature == null || body == null) {
      return false;
    }
    long sent;
    try {
      sent = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    long now = clock.instant().getEpochSecond();
    if (Math.abs(now - sent) > WINDOW_SECONDS) {
      return false;
    }
    byte[] expected = sign(timestamp, body).getBytes(StandardCharsets.UTF_8);
    // Exactly as sent: the HTTP server already dropped the blanks around header values, and
    // trimming here would also drop control characters, accepting a signature that was altered.
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code v0=} and the hex HMAC-SHA256 of {@code v0:timestamp:body}, all in UTF-8. */
  String sign(String timestamp, String body) {
    return sign(timestamp, body.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code v0=} and the hex HMAC-SHA256 of {@code v0:timestamp:} and the body's own bytes. */
  String sign(String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance(SlackSignature.ALGORITHM);
      mac.init(new SecretKeySpec(secret, SlackSignature.ALGORITHM));
      mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
      byte[] digest = mac.doFinal(body);
      return "v0=" + HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  /**
   * A timestamp header fit for a log line: it is the sender's text, and an unverified sender must
   * not be able to write what looks like another log record.
   */
  static String printable(String timestamp) {
    if (timestamp == null) {
      return "missing";
    }
    return timestamp.length() <= 20 && timestamp.chars().allMatch(c -> c >= '0' && c <= '9')
        ? timestamp
        : "not a number";
  }
}
