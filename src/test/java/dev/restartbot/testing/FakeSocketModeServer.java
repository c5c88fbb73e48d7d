package dev.restartbot.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * A fake Slack Socket Mode server: greets each connection with {@code hello}, delivers envelopes
 * the test sends, and records the app's acknowledgements by {@code envelope_id}.
 */
public final class FakeSocketModeServer extends WebSocketServer {

  private static FakeSocketModeServer instance;

  private final ObjectMapper json = new ObjectMapper();
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile WebSocket current;

  private FakeSocketModeServer() {
    super(new InetSocketAddress("127.0.0.1", 0));
    setReuseAddr(true);
  }

  /** The one server of this JVM, started on first use. */
  public static synchronized FakeSocketModeServer get() {
    if (instance == null) {
      FakeSocketModeServer server = new FakeSocketModeServer();
      server.setDaemon(true);
      server.start();
      try {
        if (!server.started.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("fake Socket Mode server did not start");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      instance = server;
    }
    return instance;
  }

  public String url() {
    return "ws://127.0.0.1:" + getPort() + "/link/?ticket=test";
  }

  public boolean connected() {
    WebSocket socket = current;
    return socket != null && socket.isOpen();
  }

  /** Sends one envelope to the connected app. */
  public void deliver(String envelopeJson) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!connected() && System.nanoTime() < deadline) {
      sleep();
    }
    current.send(envelopeJson);
  }

  /** The app's acknowledgement of {@code envelopeId}, once it arrives. */
  public JsonNode awaitAck(String envelopeId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<JsonNode> ack =
          received.stream()
              .filter(m -> envelopeId.equals(m.path("envelope_id").asText(null)))
              .findFirst();
      if (ack.isPresent()) {
        return ack.get();
      }
      sleep();
    }
    throw new AssertionError("no ack for envelope " + envelopeId + "; received " + received);
  }

  @Override
  public void onOpen(WebSocket conn, ClientHandshake handshake) {
    current = conn;
    conn.send(
        "{\"type\":\"hello\",\"num_connections\":1,"
            + "\"debug_info\":{\"host\":\"fake\",\"approximate_connection_time\":3600},"
            + "\"connection_info\":{\"app_id\":\"A0APP\"}}");
  }

  @Override
  public void onMessage(WebSocket conn, String message) {
    try {
      received.add(json.readTree(message));
    } catch (Exception e) {
      received.add(json.createObjectNode().put("unparsed", message));
    }
  }

  @Override
  public void onClose(WebSocket conn, int code, String reason, boolean remote) {}

  @Override
  public void onError(WebSocket conn, Exception ex) {}

  @Override
  public void onStart() {
    started.countDown();
  }

  private static void sleep() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
