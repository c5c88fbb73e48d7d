package dev.restartbot.slack;

import com.google.gson.Gson;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.impl.MethodsClientImpl;
import com.slack.api.util.http.SlackHttpClient;
import com.slack.api.util.json.GsonFactory;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.FormBody;
import okhttp3.Response;

/**
 * The SDK's Web API client, reading every answer with one {@link Gson} made once.
 *
 * <p>{@code MethodsClientImpl} 1.51 makes a new {@code Gson} for each answer it reads ({@code
 * GsonFactory.createSnakeCase} in {@code parseJsonResponseAndRunListeners}), and a new {@code Gson}
 * builds its reflective type adapters again: for {@code chat.postMessage}, whose answer echoes the
 * whole message, that was the largest single cost of a {@code /restart} in a profile of the app
 * under load (about a fifth of its CPU samples). {@code Gson} is thread-safe and caches its
 * adapters, so one made from the same settings reads every answer the same way. Everything else is
 * the SDK's own: the request forms, the HTTP client and its listeners, the response types and
 * {@link SlackApiException} for an HTTP error.
 */
final class SharedGsonMethodsClient extends MethodsClientImpl {

  private final Gson gson;

  SharedGsonMethodsClient(SlackHttpClient http, String token) {
    super(http, token);
    this.gson = GsonFactory.createSnakeCase(http.getConfig());
    setEndpointUrlPrefix(http.getConfig().getMethodsEndpointUrlPrefix());
  }

  /** As the SDK reads an answer (same order, same exception), with the shared {@code Gson}. */
  @Override
  protected <T extends SlackApiTextResponse> T postFormWithTokenAndParseResponse(
      FormBody.Builder form, String endpoint, String token, Class<T> type)
      throws IOException, SlackApiException {
    Response response = runPostFormWithToken(form, endpoint, token);
    String body = response.body().string();
    if (!response.isSuccessful()) {
      throw new SlackApiException(getSlackHttpClient().getConfig(), response, body);
    }
    try {
      T result = gson.fromJson(body, type);
      result.setHttpResponseHeaders(lowerCasedKeys(response.headers().toMultimap()));
      return result;
    } finally {
      getSlackHttpClient().runHttpResponseListeners(response, body);
    }
  }

  private static Map<String, List<String>> lowerCasedKeys(Map<String, List<String>> headers) {
    Map<String, List<String>> lower = new TreeMap<>();
    headers.forEach((name, values) -> lower.put(name.toLowerCase(Locale.ROOT), values));
    return lower;
  }
}
