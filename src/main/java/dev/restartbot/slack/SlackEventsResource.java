package dev.restartbot.slack;

import com.slack.api.bolt.App;
import com.slack.api.bolt.request.Request;
import com.slack.api.bolt.request.RequestHeaders;
import com.slack.api.bolt.util.SlackRequestParser;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Adapts Quarkus REST to the Bolt app: the raw body goes to Bolt untouched (the signature is over
 * exactly those bytes), and Bolt's response comes back as it is.
 *
 * <p>The one deviation from Bolt's own adapters: the signature is checked here first, over the
 * bytes as received, and only a verified body is decoded and handed to Bolt's parser. Nothing of an
 * unverified body is read, parsed or logged (Bolt's parser logs what it does not recognise). Over
 * Socket Mode this endpoint does not exist: it answers 404 and does nothing.
 */
@Path("/slack/events")
public class SlackEventsResource {

  /** Slack's requests are a few KiB; {@code quarkus.http.limits.max-body-size} says the same. */
  static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Logger LOG = Logger.getLogger(SlackEventsResource.class);

  private final App app;
  private final SlackRequestParser parser;
  private final SignatureVerification verification;
  private final SeenRequests seen;
  private final boolean socketMode;

  public SlackEventsResource(
      App app, SignatureVerification verification, SeenRequests seen, SlackSettings settings) {
    this.app = app;
    this.parser = new SlackRequestParser(app.config());
    this.verification = verification;
    this.seen = seen;
    this.socketMode = SlackApp.socketMode(settings);
  }

  @POST
  public Response events(
      byte[] body,
      @Context HttpHeaders headers,
      @Context UriInfo uri,
      @Context HttpServerRequest http) {
    if (socketMode) {
      return plain(404, "not found");
    }
    byte[] raw = body == null ? new byte[0] : body;
    if (raw.length > MAX_BODY_BYTES) {
      return plain(413, "request too large");
    }
    String timestamp = first(headers, "X-Slack-Request-Timestamp");
    String signature = first(headers, "X-Slack-Signature");
    if (!verification.isValid(timestamp, signature, raw)) {
      LOG.infof(
          "refused a request with a bad, stale or missing signature (timestamp %s)",
          SignatureVerification.printable(timestamp));
      return plain(401, "invalid request");
    }
    switch (seen.remember(timestamp, signature)) {
      case REPEATED -> {
        // Answered as done: it was. Slack does not retry commands and clicks; a repeat is a
        // replay or a duplicate delivery, and neither may act twice.
        LOG.infof("ignored a repeat of an earlier request (timestamp %s)", timestamp);
        return Response.ok().build();
      }
      case FULL -> {
        LOG.errorf("too many requests in the last five minutes to tell replays apart; refused one");
        return plain(503, "too many requests, try again later");
      }
      case FIRST -> {
        // Verified and new: go on.
      }
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(raw))
              .toString();
    } catch (CharacterCodingException e) {
      return plain(400, "unsupported request");
    }
    Map<String, List<String>> copied = Map.copyOf(headers.getRequestHeaders());
    SlackRequestParser.HttpRequest request =
        SlackRequestParser.HttpRequest.builder()
            .requestUri(uri.getPath())
            .queryString(Map.copyOf(uri.getQueryParameters()))
            .headers(new RequestHeaders(copied))
            .requestBody(text)
            .remoteAddress(http.remoteAddress() == null ? null : http.remoteAddress().host())
            .build();
    Request<?> parsed;
    try {
      parsed = parser.parse(request);
    } catch (RuntimeException e) {
      parsed = null;
    }
    if (parsed == null) {
      return plain(400, "unsupported request");
    }
    try {
      return toJaxRs(app.run(parsed));
    } catch (Exception e) {
      LOG.error("Slack request failed", e);
      return Response.status(500).entity("internal error, see the bot's logs").build();
    }
  }

  private static String first(HttpHeaders headers, String name) {
    List<String> values = headers.getRequestHeader(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static Response plain(int status, String text) {
    return Response.status(status).entity(text).type("text/plain").build();
  }

  private static Response toJaxRs(com.slack.api.bolt.response.Response bolt) {
    Response.ResponseBuilder out = Response.status(bolt.getStatusCode());
    bolt.getHeaders().forEach((name, values) -> values.forEach(v -> out.header(name, v)));
    if (bolt.getContentType() != null) {
      out.type(bolt.getContentType());
    }
    return out.entity(bolt.getBody()).build();
  }
}
