package dev.restartbot.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The structured audit log: one JSON line per step on the {@code restart-bot.audit} category,
 * written before anything is sent to Slack so that a Slack outage never loses a record.
 */
@ApplicationScoped
public class AuditLog {

  public static final String CATEGORY = "restart-bot.audit";
  private static final Logger LOG = Logger.getLogger(CATEGORY);

  private final ObjectMapper json;
  private final MeterRegistry meters;
  private final List<Consumer<AuditRecord>> listeners = new CopyOnWriteArrayList<>();

  @Inject
  public AuditLog(ObjectMapper json, MeterRegistry meters) {
    this.json = json;
    this.meters = meters;
  }

  /** For tests and tools that need no metrics. */
  public AuditLog(ObjectMapper json) {
    this(json, new SimpleMeterRegistry());
  }

  public void record(AuditRecord record) {
    LOG.info(line(record));
    // Every step of every request, by what happened: the dashboard's request counts.
    meters
        .counter(
            "restartbot.requests",
            "step",
            record.action().label(),
            "outcome",
            record.outcome().isEmpty() ? "none" : record.outcome())
        .increment();
    for (Consumer<AuditRecord> listener : listeners) {
      try {
        listener.accept(record);
      } catch (RuntimeException e) {
        // A sink failing must not stop the step it records, nor the other sinks.
        LOG.warnf(e, "audit sink failed for request %s", record.requestId());
      }
    }
  }

  /** Adds a sink that sees every record after it is logged (the audit channel, tests). */
  public void addListener(Consumer<AuditRecord> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<AuditRecord> listener) {
    listeners.remove(listener);
  }

  String line(AuditRecord record) {
    ObjectNode node = json.createObjectNode();
    node.put("audit", true);
    node.put("request", record.requestId());
    node.put("actor", record.actor());
    node.put("action", record.action().label());
    ArrayNode targets = node.putArray("targets");
    record.targets().forEach(targets::add);
    node.put("outcome", record.outcome());
    node.put("detail", record.detail());
    return node.toString();
  }
}
