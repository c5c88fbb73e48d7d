package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the sandbox channel shows: every message the bot posted or updated, thread replies and
 * ephemeral messages included, in posting order. The sandbox page renders it; the fake Slack Web
 * API writes it. Each change bumps {@link #version()}, so the page fetches only when something
 * moved.
 */
@Singleton
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxChannel {

  /**
   * One message as the channel shows it now.
   *
   * @param ts Slack's message id
   * @param threadTs the parent's ts for a thread reply, else null
   * @param author the user id that posted it (the bot for everything the bot says)
   * @param text the fallback text
   * @param blocks the Block Kit blocks, or null
   * @param visibleTo for an ephemeral message, the only user who sees it; else null
   * @param command for an answer to a slash command, the command as typed; else null
   * @param edits how many times it was updated in place
   */
  public record Message(
      String ts,
      String threadTs,
      String author,
      String text,
      JsonNode blocks,
      String visibleTo,
      String command,
      int edits) {}

  /** Messages kept; older ones drop off so a long dev session stays small. */
  static final int LIMIT = 500;

  private final Map<String, Message> messages = new LinkedHashMap<>();
  private long version;
  private long lastTsMicros;

  /** Posts a message and returns its new ts. */
  public synchronized String post(
      String threadTs,
      String author,
      String text,
      JsonNode blocks,
      String visibleTo,
      String command) {
    String ts = nextTs();
    messages.put(ts, new Message(ts, threadTs, author, text, blocks, visibleTo, command, 0));
    while (messages.size() > LIMIT) {
      messages.remove(messages.keySet().iterator().next());
    }
    version++;
    return ts;
  }

  /** Replaces a message's text and blocks in place; empty when there is no such message. */
  public synchronized Optional<Message> update(String ts, String text, JsonNode blocks) {
    Message old = messages.get(ts);
    if (old == null || old.visibleTo() != null) {
      return Optional.empty();
    }
    Message now =
        new Message(
            ts,
            old.threadTs(),
            old.author(),
            text != null ? text : old.text(),
            blocks != null ? blocks : old.blocks(),
            null,
            null,
            old.edits() + 1);
    messages.put(ts, now);
    version++;
    return Optional.of(now);
  }

  public synchronized boolean has(String ts) {
    return messages.containsKey(ts);
  }

  public synchronized long version() {
    return version;
  }

  /** The messages {@code userId} sees, oldest first: public ones and their own ephemeral ones. */
  public synchronized List<Message> visibleTo(String userId) {
    List<Message> out = new ArrayList<>();
    for (Message message : messages.values()) {
      if (message.visibleTo() == null || message.visibleTo().equals(userId)) {
        out.add(message);
      }
    }
    return out;
  }

  /** Every message, ephemeral ones included, oldest first. */
  public synchronized List<Message> all() {
    return List.copyOf(messages.values());
  }

  /** Slack-like ts: seconds and microseconds, strictly increasing. */
  private String nextTs() {
    Instant now = Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    lastTsMicros = Math.max(micros, lastTsMicros + 1);
    return String.format(
        Locale.ROOT, "%d.%06d", lastTsMicros / 1_000_000L, lastTsMicros % 1_000_000L);
  }
}
