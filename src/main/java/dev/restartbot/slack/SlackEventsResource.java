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
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Adapts Quarkus REST to the Bolt app: the raw body goes to Bolt untouched (the signature is over
 * exactly those bytes), and Bolt's response comes back as it is.
 */
@Path("/slack/events")
public class SlackEventsResource {

  private static final Logger LOG = Logger.getLogger(SlackEventsResource.class);

  private final App app;
  private final SlackRequestParser parser;
  private final SignatureVerification verification;

  public SlackEventsResource(App app, SignatureVerification verification) {
    this.app = app;
    this.parser = new SlackRequestParser(app.config());
    this.verification = verification;
  }

  @POST
  public Response events(
      String body,
      @Context HttpHeaders headers,
      @Context UriInfo uri,
      @Context HttpServerRequest http) {
    Map<String, List<String>> copied = Map.copyOf(headers.getRequestHeaders());
    SlackRequestParser.HttpRequest raw =
        SlackRequestParser.HttpRequest.builder()
            .requestUri(uri.getPath())
            .queryString(Map.copyOf(uri.getQueryParameters()))
            .headers(new RequestHeaders(copied))
            .requestBody(body == null ? "" : body)
            .remoteAddress(http.remoteAddress() == null ? null : http.remoteAddress().host())
            .build();
    Request<?> request;
    try {
      request = parser.parse(raw);
    } catch (RuntimeException e) {
      request = null;
    }
    if (request == null) {
      // Bolt verifies inside app.run; a body it cannot even parse is checked here, so that an
      // unsigned one still answers 401 and a signed but malformed one 400.
      boolean signed =
          verification.isValid(
              raw.getHeaders().getFirstValue("X-Slack-Request-Timestamp"),
              raw.getHeaders().getFirstValue("X-Slack-Signature"),
              raw.getRequestBody());
      return Response.status(signed ? 400 : 401)
          .entity(signed ? "unsupported request" : "invalid request")
          .type("text/plain")
          .build();
    }
    try {
      return toJaxRs(app.run(request));
    } catch (Exception e) {
      LOG.error("Slack request failed", e);
      return Response.status(500).entity("internal error, see the bot's logs").build();
    }
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
